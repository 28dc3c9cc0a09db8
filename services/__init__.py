"""Domain operations: the rules and the transactions, callable without GraphQL."""
