"""Excel workbooks for the partnership board, built from plain data (no Flask): the layout
rules, safe text, pseudonyms, the findings workbook and the board pack."""
