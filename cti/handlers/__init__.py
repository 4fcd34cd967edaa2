"""Live-frame handlers, one module per concern. Each handler is
``handler(table, frame, at, out)``: it reads one AMI frame, changes the call
table through its public operations and appends the events it causes."""
