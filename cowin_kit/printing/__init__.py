"""Printed pages: the PDF writer (``fastpdf``) and the page parts documents share (``page``)."""
