pytest_plugins = ["kit.testing.fixtures"]
