// Package models is numberd's domain: accounts, phone numbers, their states,
// the rules that move a number between states and owners, and the domain
// error type. It imports only the standard library, so every other layer can
// depend on it and it can be tested without a database.
//
// Vocabulary (from Kazoo's number manager, which numberd is compatible with):
//
//   - Account: a node of the reseller tree (master → resellers → customers).
//     Path lists its ancestors root first, then itself.
//   - Number: one phone number (E.164), owned by at most one account
//     (AssignedTo), in one State, with free-form public fields and derived
//     features.
//   - Actor: the authenticated caller of a request.
//   - assign_to: the account an operation targets (the URL account in REST).
//
// Invariants kept by the service layer on top of these rules: a number has
// at most one owner; every change of state or owner is one transaction that
// also writes a history event.
package models
