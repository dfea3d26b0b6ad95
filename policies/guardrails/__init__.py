"""ElastiCache guardrails, one module per concern; `props` reads properties safely, `common` is shared."""
