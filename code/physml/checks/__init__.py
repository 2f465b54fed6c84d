"""Reference checks of the book's headline results, one module per chapter."""
