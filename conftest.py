import os

# Every page kit.paging.Page.response renders is checked against its model (services started by tests inherit it).
os.environ.setdefault("LP_CHECK_RENDERING", "1")

pytest_plugins = ["kit.testing.fixtures"]
