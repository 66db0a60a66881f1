package graph

import (
	"context"
	"strconv"

	"numberd/graph/model"
	"numberd/models"
	"numberd/service"
)

// account returns an account the caller may see, or nil (batched).
func (r *Resolver) account(ctx context.Context, id string) (*models.Account, error) {
	return found(r.loadersFor(ctx).accounts.Load(ctx, id))
}

// listQuery converts the arguments of a phone number connection.
func (r *Resolver) listQuery(filter *model.PhoneNumberFilter, orderBy *model.PhoneNumberOrder, first *int, after *string, last *int, before *string) (service.ListQuery, error) {
	var lq service.ListQuery
	lq.OrderBy, lq.Desc = numberOrder(orderBy)
	if first != nil && last != nil {
		return lq, models.ErrValidation(models.FieldError{Path: "last", Rule: "exclusive", Message: "pass first or last, not both"})
	}
	var err error
	if last != nil {
		lq.Last = true
		if lq.Limit, err = r.pageSize(last, "last"); err != nil {
			return lq, err
		}
	} else if lq.Limit, err = r.pageSize(first, "first"); err != nil {
		return lq, err
	}
	if lq.AfterKey, err = decodeNumberCursor("after", lq.OrderBy, after); err != nil {
		return lq, err
	}
	if lq.BeforeKey, err = decodeNumberCursor("before", lq.OrderBy, before); err != nil {
		return lq, err
	}
	if err := numberFilter(&lq, filter); err != nil {
		return lq, err
	}
	return lq, nil
}

// phoneNumbers runs a phone number connection of an account.
func (r *Resolver) phoneNumbers(ctx context.Context, accountID string, filter *model.PhoneNumberFilter, orderBy *model.PhoneNumberOrder, first *int, after *string, last *int, before *string) (*model.PhoneNumberConnection, error) {
	lq, err := r.listQuery(filter, orderBy, first, after, last, before)
	if err != nil {
		return nil, err
	}
	// The service reads Limit 0 as "the whole listing": for first/last: 0
	// fetch one row, only to learn whether a number follows.
	size := lq.Limit
	lq.Limit = max(size, 1)
	page, err := r.Svc.ListNumbers(ctx, accountID, lq)
	if err != nil {
		return nil, err
	}
	if len(page.Numbers) > size {
		page.Numbers, page.HasMore = page.Numbers[:size], true
	}
	r.prefetchNumbers(ctx, page.Numbers)
	return r.connection(ctx, accountID, lq, page), nil
}

// connection wraps a page; totalCount is counted only when selected.
func (r *Resolver) connection(ctx context.Context, accountID string, lq service.ListQuery, page *service.NumberPage) *model.PhoneNumberConnection {
	info := &model.PageInfo{HasNextPage: page.HasMore, HasPreviousPage: lq.AfterKey != nil}
	if lq.Last {
		info = &model.PageInfo{HasNextPage: lq.BeforeKey != nil, HasPreviousPage: page.HasMore}
	}
	conn := &model.PhoneNumberConnection{
		Edges:    make([]*model.PhoneNumberEdge, 0, len(page.Numbers)),
		PageInfo: info,
		Page:     page,
		Count:    func() (int64, error) { return r.Svc.CountNumbers(ctx, accountID, lq) },
	}
	for _, n := range page.Numbers {
		conn.Edges = append(conn.Edges, &model.PhoneNumberEdge{Cursor: encodeNumberCursor(lq.OrderBy, n), Node: n})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn
}

// numberStats returns the subtree counts of an account (batched).
func (r *Resolver) numberStats(ctx context.Context, a *models.Account) (*model.NumberStats, error) {
	m, err := found(r.loadersFor(ctx).stats.Load(ctx, a.ID))
	if err != nil {
		return nil, err
	}
	return statsOf(m), nil
}

// children returns the live children of an account (batched).
func (r *Resolver) children(ctx context.Context, a *models.Account) ([]*models.Account, error) {
	kids, err := found(r.loadersFor(ctx).children.Load(ctx, a.ID))
	if err != nil {
		return nil, err
	}
	if kids == nil {
		kids = []*models.Account{}
	}
	r.prefetchAccounts(ctx, kids)
	return kids, nil
}

// history pages a number's events, newest first.
func (r *Resolver) history(ctx context.Context, n *models.Number, first *int, after *string) (*model.PhoneNumberEventConnection, error) {
	size, err := r.pageSize(first, "first")
	if err != nil {
		return nil, err
	}
	before := ""
	if after != nil && *after != "" {
		if before, err = decodeEventCursor(*after); err != nil {
			return nil, err
		}
	}
	ld := r.loadersFor(ctx)
	var events []*models.NumberEvent
	if before == "" {
		// The first page of many numbers' histories is one batched query.
		events, err = found(ld.latestEvents(size+1).Load(ctx, n))
	} else {
		events, err = r.Svc.NumberHistory(ctx, n.Number, size+1, before)
	}
	if err != nil {
		return nil, err
	}
	conn := &model.PhoneNumberEventConnection{
		PageInfo: &model.PageInfo{HasNextPage: len(events) > size, HasPreviousPage: before != ""},
		Count:    func() (int64, error) { return found(ld.counts.Load(ctx, n.Number)) },
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
