"""Printed pages: the PDF writer (``fastpdf``, with ``shaping`` for text and ``fontprogram`` for
the fonts) and the page parts documents share (``page``)."""
