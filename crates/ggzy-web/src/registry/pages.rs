//! The public registry and the log as pages: the market entities with their qualifications
//! (统一注册/共享互认), one page per entity, and the latest events with the signed tree head.

use crate::pages::Visit;
use crate::pages::{Layout, error_page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ggzy_store::ServiceError;
use ggzy_store::entities::{self, EntityView};
use ggzy_store::events::{self, TreeHead};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/entities", get(entity_list))
        .route("/entities/{id}", get(entity_page))
        .route("/log", get(log_page))
}

#[derive(Template)]
#[template(path = "entities.html")]
struct EntitiesPage {
    l: Layout,
    q: String,
    list: Vec<EntityView>,
}

#[derive(Deserialize)]
struct EntityQuery {
    q: Option<String>,
}

async fn entity_list(
    State(s): State<AppState>,
    visit: Visit,
    Query(q): Query<EntityQuery>,
) -> Response {
    let Visit { a, l } = visit.at("entities");
    match entities::search(&s.db, &a, q.q.as_deref(), s.now().date_naive(), 100).await {
        Ok(list) => render(&EntitiesPage {
            l,
            q: q.q.unwrap_or_default(),
            list,
        }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    l: Layout,
    e: EntityView,
    /// What it won, performed and took part in, as published.
    record: ggzy_store::notices::CompanyRecord,
}

async fn entity_page(State(s): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    let Visit { a, l } = visit.at("entities");
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("entity"));
    };
    match entities::get(&s.db, &a, id, s.now().date_naive()).await {
        Ok(e) => match ggzy_store::notices::company_record(&s.db, e.id, 50).await {
            Ok(record) => render(&EntityPage { l, e, record }),
            Err(err) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, err),
        },
        Err(e @ ServiceError::NotFound(_)) => error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    l: Layout,
    head: Option<TreeHead>,
    size: i64,
    events: Vec<crate::registry::api::LogEventView>,
    public_key: String,
}

async fn log_page(State(s): State<AppState>, visit: Visit) -> Response {
    let l = visit.at("log").l;
    let data = async {
        Ok::<_, ServiceError>((
            events::latest_head(&s.db).await?,
            events::size(&s.db).await?,
            events::list(&s.db, None, None, 50)
                .await?
                .into_iter()
                .map(crate::registry::api::LogEventView::public)
                .collect(),
        ))
    };
    match data.await {
        Ok((head, size, events)) => render(&LogPage {
            l,
            head,
            size,
            events,
            public_key: s.key.public_hex(),
        }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
