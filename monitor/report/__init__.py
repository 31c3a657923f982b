"""The weekly report: the analyst's tables and charts from the store, as HTML, Markdown and PDF, on a cadence."""
