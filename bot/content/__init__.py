"""Content as validated data: loads the YAML flows, catalogs and tone lexicon.

Every mistake is reported as `file:line: message`, and nothing in YAML can name code.
"""
