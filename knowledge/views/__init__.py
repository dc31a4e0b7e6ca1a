"""Pages of the knowledge base, by audience: ``staff`` (list, edit, review and publish,
draft from a ticket) and ``portal`` (articles, search, suggestions while typing a request,
feedback and "this solved my problem")."""
