from tests.projects.conftest import world  # noqa: F401 - the projects' data, for the API tests
