package graph

import (
	"context"
	"strconv"

	"numberd/graph/model"
	"numberd/models"
	"numberd/service"
)

// account returns an account the caller may see, or nil.
func (r *Resolver) account(ctx context.Context, id string) (*models.Account, error) {
	m, err := r.Svc.AccountsByID(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return m[id], nil
}

// listQuery converts connection arguments; size is the page size asked for.
func (r *Resolver) listQuery(filter *model.PhoneNumberFilter, first *int, after *string) (lq service.ListQuery, size int, err error) {
	if size, err = r.pageSize(first); err != nil {
		return lq, 0, err
	}
	// The service reads Limit 0 as "the whole listing": for first: 0 fetch
	// one row, only to learn whether a number follows.
	lq.Limit = max(size, 1)
	if after != nil && *after != "" {
		if lq.After, err = decodeCursor(*after); err != nil {
			return lq, 0, err
		}
	}
	if filter != nil {
		lq.States = filter.States
		if lq.Prefix, err = e164Prefix(filter.Prefix); err != nil {
			return lq, 0, err
		}
	}
	return lq, size, nil
}

// connection wraps a page of at most size numbers; totalCount is counted
// only when selected.
func (r *Resolver) connection(ctx context.Context, accountID string, lq service.ListQuery, size int, page *service.NumberPage) *model.PhoneNumberConnection {
	numbers, hasNext := page.Numbers, page.NextKey != ""
	if len(numbers) > size {
		numbers, hasNext = numbers[:size], true
	}
	conn := &model.PhoneNumberConnection{
		Edges:    make([]*model.PhoneNumberEdge, 0, len(numbers)),
		PageInfo: &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: lq.After != ""},
		Page:     page,
		Count:    func() (int64, error) { return r.Svc.CountNumbers(ctx, accountID, lq) },
	}
	for _, n := range numbers {
		conn.Edges = append(conn.Edges, &model.PhoneNumberEdge{Cursor: encodeCursor(n.Number), Node: n})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn
}

// history pages a number's events, newest first.
func (r *Resolver) history(ctx context.Context, n *models.Number, first *int, after *string) (*model.PhoneNumberEventConnection, error) {
	size, err := r.pageSize(first)
	if err != nil {
		return nil, err
	}
	before := ""
	if after != nil && *after != "" {
		if before, err = decodeEventCursor(*after); err != nil {
			return nil, err
		}
	}
	events, err := r.Svc.NumberHistory(ctx, n.Number, size+1, before)
	if err != nil {
		return nil, err
	}
	conn := &model.PhoneNumberEventConnection{
		PageInfo: &model.PageInfo{HasNextPage: len(events) > size, HasPreviousPage: before != ""},
		Count:    func() (int64, error) { return r.Svc.CountHistory(ctx, n.Number) },
	}
	if len(events) > size {
		events = events[:size]
	}
	conn.Edges = make([]*model.PhoneNumberEventEdge, 0, len(events))
	for _, e := range events {
		conn.Edges = append(conn.Edges, &model.PhoneNumberEventEdge{Cursor: encodeEventCursor(strconv.FormatInt(e.Seq, 10)), Node: e})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn, nil
}
