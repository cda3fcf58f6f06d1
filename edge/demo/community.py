"""The demo's community: a few households on the registry and the staff on duty at each lane.

So that the supervisor's pages (households, visitors, duty, the daily report) show a community
from the first minute, as the storeroom shows two weeks of history. Imported through the same
path as a supervisor's spreadsheet; nothing is added when the registry already holds households
(a demo run again on its ``--data-dir``).
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.community.service import CommunityService

NAME, STREET, DISTRICT = "幸福里社区", "示范街道", "示范区"
#: building, unit, room, name, phone, last 4 of the identity number, has a smartphone
HOUSEHOLDS_CSV = """楼栋,单元,房号,姓名,手机号,身份证后四位,有智能手机
1,1,101,王建国,13800000001,1234,是
1,1,101,李秀英,,5678,否
1,1,102,张伟,13800000003,2345,是
1,1,102,张小明,,,否
1,2,201,刘芳,13800000005,3456,是
1,2,201,陈桂兰,,456X,否
2,1,301,杨洋,13800000007,6789,是
2,1,302,赵敏,13800000008,7890,是
2,1,302,赵磊,13800000009,8901,是
2,2,401,孙玉珍,,9012,否
"""


def community_toml(key_file: str, kid: str) -> str:
    """The demo's ``[community]`` section: its name and the key it issues member passes with."""
    return (
        "[community]\n"
        f'name = "{NAME}"\nstreet = "{STREET}"\ndistrict = "{DISTRICT}"\n'
        f'pass_key_file = "{key_file}"\npass_kid = "{kid}"\n'
    )


async def seed_community(service: CommunityService, lanes: Iterable[str], staff: str) -> int:
    """Import the demo households (once) and sign ``staff`` in at every lane; the number of
    households imported (0 when the registry had some already)."""
    imported = 0
    if (await service.households(limit=1))["total"] == 0:
        result = await service.import_file("demo-households.csv", HOUSEHOLDS_CSV.encode())
        imported = result.households_added
    for lane in lanes:
        if service.on_duty(lane) is None:
            await service.sign_in(lane, staff)
    return imported
