"""The checker's passes, one concern per module; ``streamerc.check`` runs them."""
