"""Pictures of results: contact sheets laid out like the paper's tables, loss and trade-off plots."""
