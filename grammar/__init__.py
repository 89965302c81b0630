"""Lark grammar of the .stm language (data package)."""
