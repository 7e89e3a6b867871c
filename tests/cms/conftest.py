import pytest

from cms.demo import seed_home_pages

from . import builders as b


@pytest.fixture
def home(db):
    return seed_home_pages()


@pytest.fixture
def home_en(home):
    return home.get_translation(home.locale.__class__.objects.get(language_code="en")).specific


@pytest.fixture
def policies(home, home_en):
    """The policy library, in Chinese with its English translation."""
    index = b.policy_index(home)
    b.translate(index, title="Policies")
    return index


@pytest.fixture
def news_index(home, home_en):
    index = b.news_index(home)
    b.translate(index, title="News")
    return index
