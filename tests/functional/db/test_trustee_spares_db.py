"""Claiming spare trustee rows from several threads at once, on every backend: each
row goes to exactly one claimer (``db.claim_trustee_spare``)."""
import threading

from magnum_like.db import api as db


def test_concurrent_claims_never_share_a_spare(db_backend):
    for row in db.get_trustee_spare_list():  # the module's database is shared
        db.delete_trustee_spare(row.id)
    made = {'user-%03d' % i for i in range(40)}
    for user_id in sorted(made):
        db.create_trustee_spare(user_id, 'domain-a', 'stored-password')
    db.create_trustee_spare('other-domain-user', 'domain-b', 'stored-password')
    threads = 8
    barrier = threading.Barrier(threads)
    claimed: list[list[str]] = [[] for _ in range(threads)]
    errors = []

    def claim(mine):
        try:
            barrier.wait(timeout=10)
            while True:
                row = db.claim_trustee_spare('domain-a')
                if row is None:
                    return
                mine.append(row.user_id)
        except Exception as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=claim, args=(claimed[i],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    every = [user_id for mine in claimed for user_id in mine]
    assert len(every) == len(set(every)) and set(every) == made
    assert [row.user_id for row in db.get_trustee_spare_list()] == ['other-domain-user']
    assert db.count_trustee_spares('domain-b') == 1 and db.count_trustee_spares('domain-a') == 0
    assert db.get_trustee_spare_user_ids(['other-domain-user', 'user-000']) == {
        'other-domain-user'}
