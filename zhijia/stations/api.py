"""The stations API: registry (staff, scoped), nearest search (any signed-in user), inspections, check-ins,
statistics, coverage gaps, and the open data (public)."""


from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhijia.audit.services import audit_record
from zhijia.core.errors import ValidationFailed
from zhijia.core.pagination import PageNumber
from zhijia.stations import exports, selectors, services
from zhijia.stations.schemas import (
    CheckInIn,
    CheckInOut,
    FollowUpOut,
    ImportIn,
    InspectionIn,
    InspectionOut,
    NearestOut,
    ResolveIn,
    StationIn,
    StationOut,
    StationPatch,
)

router = Router(tags=["服务站点 stations"])
MAX_IMPORT_BYTES = 10 * 1024 * 1024


class StationFilters(Schema):
    union: int | None = None
    kind: str | None = None
    status: str | None = None
    region_code: str | None = None
    q: str | None = None


class NearestQuery(Schema):
    lat: float
    lng: float
    kind: str | None = None
    amenity: list[str] = []
    open_now: bool = False
    limit: int = 10


@router.get("", response=list[StationOut], summary="站点列表（本级及下级）")
@paginate(PageNumber)
def station_list(request, filters: Query[StationFilters]):
    return selectors.with_open_now(selectors.station_list(
        user=request.user, union_id=filters.union, kind=filters.kind, status=filters.status,
        region_code=filters.region_code, q=filters.q))


@router.get("/nearest", response=list[NearestOut], summary="附近的站点（按距离排序）")
def station_nearest(request, query: Query[NearestQuery]):
    amenities = [a for part in query.amenity for a in part.split(",") if a]
    return selectors.station_nearest(lat=query.lat, lng=query.lng, kind=query.kind, amenities=amenities,
                                     open_now=query.open_now, limit=query.limit)


@router.get("/open-data.geojson", auth=None, summary="开放数据：全部开放站点（GeoJSON，WGS-84）")
def open_data_geojson(request):
    return HttpResponse(exports.geojson_bytes(selectors.open_stations()), content_type="application/geo+json")


@router.get("/open-data.xlsx", auth=None, summary="开放数据：全部开放站点（Excel）")
def open_data_xlsx(request):
    return exports.xlsx_response(exports.stations_xlsx(selectors.open_stations()), "stations-open-data.xlsx")


@router.post("", response={201: StationOut}, summary="新建站点")
def station_create(request, payload: StationIn):
    return Status(201, services.station_create(request.user, **payload.dict()))


@router.post("/import", summary="从 Excel 批量导入站点（逐行报告；dry_run 只预览）")
def station_import(request, data: Form[ImportIn], file: File[UploadedFile]):
    if file.size > MAX_IMPORT_BYTES:
        raise ValidationFailed.field("file", _("文件不能超过10MB"))
    return services.station_import(request.user, union_id=data.union_id, content=file.read(), dry_run=data.dry_run)


@router.get("/export.xlsx", summary="导出站点（本级及下级）")
def station_export(request, filters: Query[StationFilters]):
    qs = selectors.station_list(user=request.user, union_id=filters.union, kind=filters.kind, status=filters.status,
                                region_code=filters.region_code, q=filters.q)
    audit_record(actor=request.user, action="station.export", union=request.user.union,
                 object_type="stations.station", detail={"count": qs.count()})
    return exports.xlsx_response(exports.stations_xlsx(qs), "stations.xlsx")


@router.get("/follow-ups", response=list[FollowUpOut], summary="整改清单")
@paginate(PageNumber)
def follow_up_list(request, status: str | None = None, overdue: bool = False):
    return selectors.follow_up_list(user=request.user, status=status, overdue=overdue)


@router.post("/follow-ups/{follow_up_id}/resolve", response=FollowUpOut, summary="完成整改")
def follow_up_resolve(request, follow_up_id: int, payload: ResolveIn):
    return services.follow_up_resolve(request.user, follow_up_id=follow_up_id, resolution=payload.resolution)


@router.post("/check-ins", response={201: CheckInOut, 200: CheckInOut}, summary="扫码签到")
def check_in(request, payload: CheckInIn):
    check_in, created = services.check_in_record(request.user, token=payload.token)
    body = {"id": check_in.pk, "station_id": check_in.station_id, "station_name": check_in.station.name,
            "at": check_in.at, "created": created}
    return Status(201 if created else 200, body)


@router.get("/coverage-gaps", summary="覆盖缺口（按网格排名）")
def coverage_gaps(request, reach_m: float | None = None, limit: int = 200):
    if not 1 <= limit <= 1000:
        raise ValidationFailed.field("limit", _("limit 应在1到%(max)s之间") % {"max": 1000})
    return selectors.coverage_gaps(user=request.user, reach_m=reach_m, limit=limit)


@router.get("/coverage-gaps.xlsx", summary="导出覆盖缺口")
def coverage_gaps_export(request, reach_m: float | None = None):
    result = selectors.coverage_gaps(user=request.user, reach_m=reach_m, limit=100000)
    audit_record(actor=request.user, action="station.coverage_export", union=request.user.union,
                 object_type="stations.station", detail={"gaps": result["gap_cells"]})
    return exports.xlsx_response(exports.gaps_xlsx(result), "coverage-gaps.xlsx")


@router.get("/visits/hours", summary="各时段签到人次（本级及下级）")
def busiest_hours(request, station: int | None = None, days: int = 90):
    return selectors.busiest_hours(user=request.user, station_id=station, days=min(max(days, 1), 366))


@router.get("/visits/heat", summary="签到热力（各站点人次）")
def visit_heat(request, days: int = 90):
    return selectors.visit_heat(user=request.user, days=min(max(days, 1), 366))


@router.get("/{station_id}", response=StationOut, summary="站点详情")
def station_detail(request, station_id: int):
    return selectors.station_get(user=request.user, station_id=station_id)


@router.patch("/{station_id}", response=StationOut, summary="修改站点")
def station_update(request, station_id: int, payload: StationPatch):
    return services.station_update(request.user, station_id=station_id, **payload.dict(exclude_unset=True))


@router.get("/{station_id}/qr", summary="站点签到二维码（SVG，可打印）")
def station_qr(request, station_id: int):
    station = selectors.station_get(user=request.user, station_id=station_id)
    return HttpResponse(exports.qr_svg(request, station), content_type="image/svg+xml")


@router.post("/{station_id}/qr/reissue", response=StationOut, summary="作废旧签到码并重新生成")
def station_qr_reissue(request, station_id: int):
    return services.station_qr_reissue(request.user, station_id=station_id)


@router.get("/{station_id}/inspections", response=list[InspectionOut], summary="七有检查记录")
@paginate(PageNumber)
def inspection_list(request, station_id: int):
    return selectors.inspection_list(user=request.user, station_id=station_id)


@router.post("/{station_id}/inspections", response={201: InspectionOut}, summary="记录七有检查")
def inspection_record(request, station_id: int, payload: InspectionIn):
    return Status(201, services.inspection_record(request.user, station_id=station_id, **payload.dict()))


@router.get("/{station_id}/visits", summary="每日签到人次")
def visits_by_day(request, station_id: int, days: int = 30):
    return selectors.visits_by_day(user=request.user, station_id=station_id, days=min(max(days, 1), 366))

