"""The weekly drive report (.docx) carries the page's figures, read back with python-docx."""

import datetime as dt
import io

from django.utils import timezone
from docx import Document

from tuijin.core.roles import Role

from .conftest import launch


def test_the_weekly_report_has_countdown_targets_ranking_and_lagging_projects(
    county, majors, client_for
):
    start = timezone.localdate() - dt.timedelta(days=59)
    drive = launch(county, majors, start_date=start, end_date=None)
    response = client_for(county.users[Role.SUPERVISION]).get(f"/drives/{drive.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert f"drive-{drive.pk}-week-9.docx" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026年重大项目百日集中推进行动工作周报" in text
    assert "第 9 期" in text
    assert "已开展 60 天，剩余 40 天" in text
    targets, ranking, lagging = doc.tables
    assert [c.text for c in targets.rows[0].cells] == [
        "目标",
        "目标值",
        "序时计划",
        "实际完成",
        "差距（百分点）",
        "预测",
    ]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in targets.rows[1:]}
    assert rows["新开工项目（全县）"][1] == "4个"
    assert rows["新开工项目（全县）"][2] == "2.4"
    assert rows["新开工项目（全县）"][5] == "按当前进度无法在期限内完成"
    assert "完成投资（工业项目推进组）" in rows
    assert [c.text for c in ranking.rows[1].cells][1] == "工业项目推进组"
    lagging_rows = [[c.text for c in r.cells] for r in lagging.rows[1:]]
    assert lagging_rows[0][:3] == ["工业项目推进组", "智能装备制造产业园", "红灯"]
    assert lagging_rows[0][4] == county.people[Role.UNIT_STAFF].name
