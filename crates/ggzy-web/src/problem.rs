//! Every API refusal as `application/problem+json` (RFC 9457) with a stable code, messages in
//! Chinese and English, the fields concerned and, for rule refusals, the regulation and article.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ggzy_core::FieldError;
use ggzy_store::ServiceError;
use serde::Serialize;

/// The answer of a step that returns nothing else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// The answer of a step that created something.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: uuid::Uuid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable machine-readable code, e.g. `validation`, `forbidden`, `entity.already_registered`.
    pub code: String,
    pub status: u16,
    pub title: String,
    pub message_zh: String,
    pub message_en: String,
    /// The permission a 403 lacked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_permission: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldError>,
    /// For a step out of order (409): the lot's current stage and what it waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
}

impl Problem {
    /// A problem that names no field and no permission.
    pub fn new(status: StatusCode, code: &str, zh: &str, en: &str) -> Self {
        Self {
            code: code.into(),
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("").into(),
            message_zh: zh.into(),
            message_en: en.into(),
            missing_permission: None,
            fields: vec![],
            stage: None,
            waits_for: None,
        }
    }
}

#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl<E: Into<ServiceError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl ApiError {
    pub fn problem(&self) -> Problem {
        let (status, code, zh, en, perm, fields): (
            StatusCode,
            String,
            String,
            String,
            Option<String>,
            Vec<FieldError>,
        ) = match &self.0 {
            ServiceError::Invalid(i) => {
                // One field: its own code names the problem; several: `validation`.
                let code = if i.0.len() == 1 {
                    i.0[0].code.to_string()
                } else {
                    "validation".into()
                };
                let conflict = i.0.iter().any(|f| {
                    f.code.ends_with("already_registered")
                        || f.code.ends_with("taken")
                        || f.code.ends_with("exists")
                });
                let too_large = i.0.iter().any(|f| f.code.ends_with("too_large"));
                let status = if too_large {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else if conflict {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                (
                    status,
                    code,
                    "提交的内容有误，请按提示修改".into(),
                    "Some fields need correcting".into(),
                    None,
                    i.0.clone(),
                )
            }
            ServiceError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "auth.required".into(),
                "请先登录".into(),
                "Please sign in first".into(),
                None,
                vec![],
            ),
            ServiceError::SignIn(f) => (
                StatusCode::UNAUTHORIZED,
                f.code.into(),
                f.message_zh.clone(),
                f.message_en.clone(),
                None,
                vec![f.clone()],
            ),
            ServiceError::Forbidden(p) => (
                StatusCode::FORBIDDEN,
                "forbidden".into(),
                format!("当前账号没有“{}”权限", p.as_str()),
                format!("This account lacks the permission '{}'", p.as_str()),
                Some(p.as_str().into()),
                vec![],
            ),
            ServiceError::OutOfOrder {
                stage,
                waits_for,
                reason,
            } => {
                let mut p = Problem::new(
                    StatusCode::CONFLICT,
                    "procedure.out_of_order",
                    &format!("当前阶段（{stage}）不能进行此操作，须等待：{waits_for}（{reason}）"),
                    &format!(
                        "Not possible at stage '{stage}'; it waits for {waits_for} ({reason})"
                    ),
                );
                p.stage = Some((*stage).into());
                p.waits_for = Some((*waits_for).into());
                return p;
            }
            ServiceError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found".into(),
                format!(
                    "找不到该{}",
                    match *what {
                        "entity" => "主体",
                        "account" => "账号",
                        "event" => "事件",
                        "region" => "区划",
                        "lot" => "标段",
                        "document" => "文件",
                        "objection" => "异议",
                        "bid" => "投标文件",
                        "report" => "举报（编号或查询码有误）",
                        "intervention" => "监督指令",
                        _ => "页面",
                    }
                ),
                format!("No such {what}"),
                None,
                vec![],
            ),
            ServiceError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited".into(),
                "操作过于频繁，请稍后再试".into(),
                "Too many attempts from this address; try again later".into(),
                None,
                vec![],
            ),
            ServiceError::Db(_) | ServiceError::Internal(_) => {
                tracing::error!(error = %self.0, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal".into(),
                    "服务器内部错误，已记录".into(),
                    "Internal error; it has been logged".into(),
                    None,
                    vec![],
                )
            }
        };
        Problem {
            code,
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("").into(),
            message_zh: zh,
            message_en: en,
            missing_permission: perm,
            fields,
            stage: None,
            waits_for: None,
        }
    }
}

pub fn problem_response(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, axum::Json(p)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(self.problem())
    }
}

/// A problem that does not come from a service: bad JSON, CSRF, rate limit, body too large.
pub fn simple(status: StatusCode, code: &str, zh: &str, en: &str) -> Response {
    problem_response(Problem::new(status, code, zh, en))
}

/// JSON bodies whose syntax, shape or unknown fields are wrong: 400/422 with the serde message
/// (it names the offending field), never a plain-text rejection.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let (status, code) = match &rej {
                    JsonRejection::JsonDataError(_) => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "json.shape")
                    }
                    JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "json.syntax"),
                    JsonRejection::MissingJsonContentType(_) => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "json.content_type")
                    }
                    _ => (StatusCode::PAYLOAD_TOO_LARGE, "body.too_large"),
                };
                let detail = rej.body_text();
                // serde_path_to_error (inside axum) names the path: "...target type: entity.colour: unknown field ..."
                let after = detail
                    .split_once("target type: ")
                    .map_or(detail.as_str(), |(_, r)| r);
                let (field, reason) = match after.split_once(": ") {
                    Some((path, reason)) if !path.contains(' ') => {
                        (path.to_string(), reason.to_string())
                    }
                    _ => ("body".to_string(), after.to_string()),
                };
                let zh = format!("请求内容无法解析（{field}）：{reason}");
                let en = format!("The request body could not be read ({field}): {reason}");
                let fe = FieldError::new(field, code, zh.clone(), en.clone());
                Err(problem_response(Problem {
                    fields: vec![fe],
                    ..Problem::new(status, code, &zh, &en)
                }))
            }
        }
    }
}
