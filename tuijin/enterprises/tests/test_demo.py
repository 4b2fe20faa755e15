import random

from tuijin.enterprises.demo import seed_enterprises
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.validators import credit_code_error


def test_demo_enterprises(county):
    seed_enterprises(county.region, random.Random(7))
    enterprises = Enterprise.objects.all()
    assert enterprises.count() == 1500
    assert enterprises.filter(above_scale=True).count() == 300
    ranks = sorted(enterprises.exclude(top100_rank=None).values_list("top100_rank", flat=True))
    assert ranks == list(range(1, 101))
    assert enterprises.filter(top100_rank__isnull=False, above_scale=False).count() == 0
    struggling = enterprises.filter(struggling=True)
    assert struggling.count() == 40 and not struggling.filter(struggling_reason="").exists()
    assert not [
        c for c in enterprises.values_list("credit_code", flat=True) if credit_code_error(c)
    ]
    assert not enterprises.filter(pinyin_initials="").exists()
