// numberd's GraphiQL setup: queries and mutations go to /graphql over POST,
// subscriptions over a graphql-transport-ws websocket; the token typed in
// the X-Auth-Token field travels as a header (POST) or in connection_init
// (websocket). The token is kept for this browser tab only.
(function () {
  'use strict';
  var tokenInput = document.getElementById('token');
  tokenInput.value = sessionStorage.getItem('numberd-token') || '';
  tokenInput.addEventListener('input', function () {
    sessionStorage.setItem('numberd-token', tokenInput.value.trim());
  });
  function token() { return tokenInput.value.trim(); }

  var endpoint = location.origin + '/graphql';
  var wsURL = endpoint.replace(/^http/, 'ws');
  var ws = null, wsToken = null;
  function wsClient() {
    if (ws && wsToken === token()) return ws;
    if (ws) ws.dispose();
    wsToken = token();
    ws = graphqlWs.createClient({ url: wsURL, connectionParams: { token: wsToken }, lazy: true });
    return ws;
  }

  function isSubscription(params) {
    var q = (params.query || '').replace(/#[^\n]*/g, '');
    var name = params.operationName;
    var re = name ? new RegExp('subscription\\s+' + name + '\\b') : /^\s*subscription\b/;
    return re.test(q);
  }

  function fetcher(params, opts) {
    if (isSubscription(params)) {
      return {
        subscribe: function (sink) {
          var stop = wsClient().subscribe(params, {
            next: function (v) { sink.next(v); },
            error: function (e) { sink.error(e instanceof Error ? e : new Error(String(e && e.reason || e))); },
            complete: function () { sink.complete(); }
          });
          return { unsubscribe: stop };
        }
      };
    }
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    var extra = (opts && opts.headers) || {};
    for (var k in extra) headers[k] = extra[k];
    if (token()) headers['X-Auth-Token'] = token();
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params) })
      .then(function (r) { return r.json(); });
  }

  var defaultQuery = [
    '# numberd GraphQL playground. Paste your token above, then run.',
    '{',
    '  me {',
    '    name',
    '    numberStats { total byState { state count } }',
    '    phoneNumbers(first: 10, orderBy: {field: UPDATED_AT, direction: DESC}) {',
    '      totalCount',
    '      edges { cursor node { number state classification updatedAt } }',
    '      pageInfo { hasNextPage endCursor }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false
  }));
})();
