"""P1: the PDF route. A municipality asks the operator for DA3/DA4 as PDF; the broker forwards the request, keeps
its 14-day due date, and stores and serves the PDF and its attachments once delivered."""
