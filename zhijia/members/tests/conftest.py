import pytest


@pytest.fixture(autouse=True)
def _default_routing_rules(request):
    """The default routing rules come from a data migration; a transactional test elsewhere in the same worker
    flushes them. Put them back (a no-op when rules exist) for every test that uses the database."""
    if not ({"db", "transactional_db", "live_server"} & set(request.fixturenames)
            or request.node.get_closest_marker("django_db")):
        return
    if "transactional_db" not in request.fixturenames and not _is_transactional(request):
        request.getfixturevalue("db")
    from zhijia.members.routing import seed_default_rules

    seed_default_rules()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
