//! Reading everything out of a store, pool by pool, a page at a time, into a [`RecordSink`].

use std::sync::Arc;

use super::{Counts, Membership, Progress, Record, RecordSink, Rekey};
use crate::error::{Error, Result};
use crate::ports::{Store, UserQuery};

/// Rows read per listing call.
const PAGE: u32 = 500;

/// Streams every record of `store` into `sink`, re-sealed for another key when `rekey` is
/// given. Returns what it wrote.
pub async fn export(
    store: &Arc<dyn Store>,
    rekey: Option<&Rekey<'_>>,
    sink: &mut dyn RecordSink,
    progress: &dyn Progress,
) -> Result<Counts> {
    let mut out = Out {
        sink,
        rekey,
        progress,
        counts: Counts::default(),
    };
    let mut pools = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_pools(after.as_deref(), PAGE)
            .await
            .map_err(Error::from)?;
        after = page.last().map(|p| p.id.clone());
        let done = page.len() < PAGE as usize;
        pools.extend(page);
        if done {
            break;
        }
    }
    let mut users = 0;
    for pool in &pools {
        users += store.count_users(&pool.id).await.map_err(Error::from)?;
    }
    progress.expect_users(users);
    for pool in pools {
        export_pool(store, pool, &mut out).await?;
    }
    export_sessions(store, &mut out).await?;
    Ok(out.counts)
}

struct Out<'a, 'k> {
    sink: &'a mut dyn RecordSink,
    rekey: Option<&'a Rekey<'k>>,
    progress: &'a dyn Progress,
    counts: Counts,
}

impl Out<'_, '_> {
    async fn put(&mut self, record: Record) -> Result<()> {
        let record = match self.rekey {
            Some(rekey) => match rekey.record(record)? {
                Some(record) => record,
                None => {
                    self.counts.sessions_dropped += 1;
                    return Ok(());
                }
            },
            None => record,
        };
        let kind = record.kind();
        self.sink.put(record).await?;
        self.counts.add(kind, false);
        self.progress.done(kind);
        Ok(())
    }
}

async fn export_pool(
    store: &Arc<dyn Store>,
    pool: crate::pool::UserPool,
    out: &mut Out<'_, '_>,
) -> Result<()> {
    let pool_id = pool.id.clone();
    out.put(Record::Pool(pool.clone())).await?;
    for key in store
        .list_signing_keys(&pool_id)
        .await
        .map_err(Error::from)?
    {
        out.put(Record::SigningKey(key)).await?;
    }
    if let Some(key) = store
        .get_pool_signing_key(&pool_id)
        .await
        .map_err(Error::from)?
    {
        out.put(Record::PoolSigningKey(key)).await?;
    }
    if let Some(all) = store
        .get_ui_customization(&pool_id, "ALL")
        .await
        .map_err(Error::from)?
    {
        out.put(Record::UiCustomization(all)).await?;
    }
    let mut after: Option<String> = None;
    loop {
        let clients = store
            .list_clients(&pool_id, after.as_deref(), PAGE)
            .await
            .map_err(Error::from)?;
        after = clients.last().map(|c| c.client_id.clone());
        let done = clients.len() < PAGE as usize;
        for client in clients {
            let client_id = client.client_id.clone();
            out.put(Record::Client(client)).await?;
            if let Some(custom) = store
                .get_ui_customization(&pool_id, &client_id)
                .await
                .map_err(Error::from)?
            {
                out.put(Record::UiCustomization(custom)).await?;
            }
            if let Some(branding) = store
                .get_branding_by_client(&pool_id, &client_id)
                .await
                .map_err(Error::from)?
            {
                out.put(Record::Branding(branding)).await?;
            }
        }
        if done {
            break;
        }
    }
    for domain in store
        .list_pool_domains(&pool_id)
        .await
        .map_err(Error::from)?
    {
        out.put(Record::Domain(domain)).await?;
    }
    let mut after: Option<String> = None;
    loop {
        let servers = store
            .list_resource_servers(&pool_id, after.as_deref(), PAGE)
            .await
            .map_err(Error::from)?;
        after = servers.last().map(|s| s.identifier.clone());
        let done = servers.len() < PAGE as usize;
        for server in servers {
            out.put(Record::ResourceServer(server)).await?;
        }
        if done {
            break;
        }
    }
    let mut after: Option<String> = None;
    loop {
        let providers = store
            .list_identity_providers(&pool_id, after.as_deref(), PAGE)
            .await
            .map_err(Error::from)?;
        after = providers.last().map(|p| p.name.clone());
        let done = providers.len() < PAGE as usize;
        for provider in providers {
            out.put(Record::IdentityProvider(provider)).await?;
        }
        if done {
            break;
        }
    }
    let mut groups = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_groups(&pool_id, after.as_deref(), PAGE)
            .await
            .map_err(Error::from)?;
        after = page.last().map(|g| g.name.clone());
        let done = page.len() < PAGE as usize;
        for group in &page {
            groups.push(group.name.clone());
        }
        for group in page {
            out.put(Record::Group(group)).await?;
        }
        if done {
            break;
        }
    }
    export_users(store, &pool, out).await?;
    for group in groups {
        let mut after: Option<String> = None;
        loop {
            let members = store
                .list_users_in_group(&pool_id, &group, after.as_deref(), PAGE)
                .await
                .map_err(Error::from)?;
            // Members are listed in username-key order; the key is the page's bound.
            after = members
                .last()
                .map(|u| crate::user::username_key(&pool, &u.username));
            let done = members.len() < PAGE as usize;
            for member in members {
                out.put(Record::Member(Membership {
                    pool_id: pool_id.clone(),
                    group: group.clone(),
                    sub: member.sub,
                }))
                .await?;
            }
            if done {
                break;
            }
        }
    }
    Ok(())
}

async fn export_users(
    store: &Arc<dyn Store>,
    pool: &crate::pool::UserPool,
    out: &mut Out<'_, '_>,
) -> Result<()> {
    let pool_id = pool.id.as_str();
    let mut after: Option<String> = None;
    loop {
        let query = UserQuery {
            filter: None,
            after: after.clone(),
            limit: PAGE,
        };
        let users = store
            .list_users(pool_id, &query)
            .await
            .map_err(Error::from)?;
        after = users
            .last()
            .map(|u| crate::user::username_key(pool, &u.username));
        let done = users.len() < PAGE as usize;
        for user in users {
            let sub = user.sub.clone();
            out.put(Record::User(user)).await?;
            let devices = store
                .list_devices(pool_id, &sub, None, 1000)
                .await
                .map_err(Error::from)?;
            for device in devices {
                out.put(Record::Device(device)).await?;
            }
            let passkeys = store
                .list_passkeys(pool_id, &sub, None, 1000)
                .await
                .map_err(Error::from)?;
            for passkey in passkeys {
                out.put(Record::Passkey(passkey)).await?;
            }
            let links = store
                .list_federated_links_for_user(pool_id, &sub)
                .await
                .map_err(Error::from)?;
            for link in links {
                out.put(Record::FederatedLink(link)).await?;
            }
        }
        if done {
            return Ok(());
        }
    }
}

async fn export_sessions(store: &Arc<dyn Store>, out: &mut Out<'_, '_>) -> Result<()> {
    let mut after: Option<String> = None;
    loop {
        let sessions = store
            .list_all_sessions(after.as_deref(), PAGE)
            .await
            .map_err(Error::from)?;
        after = sessions.last().map(|s| s.origin_jti.clone());
        let done = sessions.len() < PAGE as usize;
        for session in sessions {
            out.put(Record::Session(session)).await?;
        }
        if done {
            return Ok(());
        }
    }
}
