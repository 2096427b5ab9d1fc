"""The vocabulary a kind writes its manifest shape in, below the kinds so every kind can use it.

``doc`` (the document base class, two-shape values, collections, ``UNSET``), ``fields`` (scalar field
types with Mailgun's rules), ``rules`` (Mailgun syntax checks), ``env`` (``${env:NAME}`` strings),
``output`` (the files ``import`` writes) and ``harvest`` (the interface a kind declares
into). Knows no kind, no HTTP and no manifest file.
"""
