"""Pure rules and value types shared by the client and the bureau. No I/O, imports nothing of ours."""
