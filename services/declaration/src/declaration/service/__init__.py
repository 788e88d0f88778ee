"""Use cases of the declaration service, by topic: ``declarations`` (the wizard and its evidence),
``reviews``, ``queries`` (lists and details), ``notices`` (public notice, objections, publication),
``appended_models``, ``candidates`` (入围名单), ``stars`` (星级产品自我声明); ``lifecycle`` applies a move of
the transition table; ``comparison`` and ``files`` are the ports to the benchmark service and the object
store. Each public use case is one transaction."""
