"""Static rules. Importing this package registers every rule with the registry."""
