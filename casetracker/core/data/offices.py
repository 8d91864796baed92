"""The 17 provincial offices of education, in the order of domain.md, and the channels
through which deepfakes spread. Seed reference data: admins maintain it in the application.
"""

# (code, English name, Korean name), exactly as in domain.md.
OFFICES: tuple[tuple[str, str, str], ...] = (
    ("seoul", "Seoul", "서울특별시교육청"),
    ("busan", "Busan", "부산광역시교육청"),
    ("daegu", "Daegu", "대구광역시교육청"),
    ("incheon", "Incheon", "인천광역시교육청"),
    ("gwangju", "Gwangju", "광주광역시교육청"),
    ("daejeon", "Daejeon", "대전광역시교육청"),
    ("ulsan", "Ulsan", "울산광역시교육청"),
    ("sejong", "Sejong", "세종특별자치시교육청"),
    ("gyeonggi", "Gyeonggi", "경기도교육청"),
    ("gangwon", "Gangwon", "강원특별자치도교육청"),
    ("chungbuk", "North Chungcheong", "충청북도교육청"),
    ("chungnam", "South Chungcheong", "충청남도교육청"),
    ("jeonbuk", "North Jeolla", "전북특별자치도교육청"),
    ("jeonnam", "South Jeolla", "전라남도교육청"),
    ("gyeongbuk", "North Gyeongsang", "경상북도교육청"),
    ("gyeongnam", "South Gyeongsang", "경상남도교육청"),
    ("jeju", "Jeju", "제주특별자치도교육청"),
)

# (code, English name, Korean name)
CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("group_chat", "Group chat", "단체 대화방"),
    ("telegram", "Telegram", "텔레그램"),
    ("anonymous_app", "Anonymous messaging app", "익명 메신저 앱"),
    ("social_dm", "Social-media direct message", "SNS 다이렉트 메시지"),
    ("humiliation_room", "Acquaintance humiliation room", "지인능욕방"),
    ("in_person", "Shown in person", "직접 보여 줌"),
)
