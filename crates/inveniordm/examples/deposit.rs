//! Create a draft, upload a file, publish it and download it again, verified.
//!
//! Runs against `INVENIORDM_URL`/`INVENIORDM_TOKEN` when they are set, otherwise against a
//! sandbox it starts on a free loopback port:
//!
//! ```sh
//! cargo run -p inveniordm --example deposit
//! ```

use std::path::Path;

use inveniordm::models::{Access, Creator, Files, Metadata, Record, SearchQuery, VocabRef};
use inveniordm::transfer::DownloadOptions;
use inveniordm::{Client, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let (client, _sandbox) = match std::env::var("INVENIORDM_URL") {
        Ok(_) => (Client::from_env()?, None),
        Err(_) => {
            let sandbox = inveniordm_sandbox::Sandbox::start(Default::default())
                .await
                .map_err(|e| inveniordm::Error::Config(e.to_string()))?;
            println!("no INVENIORDM_URL: using a sandbox at {}", sandbox.url());
            (
                Client::new(sandbox.url(), Some(sandbox.token()))?,
                Some(sandbox),
            )
        }
    };

    let mut metadata = Metadata::default();
    metadata.title = Some("Example deposit".into());
    metadata.resource_type = Some(VocabRef::id("dataset"));
    metadata.publication_date = Some("2026-11-26".into());
    metadata.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    let draft = Record {
        metadata: Some(metadata),
        access: Some(Access::public()),
        files: Some(Files::enabled()),
        ..Record::default()
    };
    let draft = client.drafts().create(&draft).await?;
    let id = draft.require_id()?;
    for problem in draft.validation_errors() {
        println!("draft {id}: {problem}");
    }

    let dir = tempfile::tempdir().map_err(|e| inveniordm::Error::Config(e.to_string()))?;
    let path = dir.path().join("data.csv");
    std::fs::write(&path, "x,y\n1,2\n3,4\n")
        .map_err(|e| inveniordm::Error::Config(e.to_string()))?;
    let entry = client.drafts().file_upload(id, &path).await?;
    println!(
        "uploaded {} ({})",
        entry.key.as_deref().unwrap_or(""),
        entry.checksum.as_deref().unwrap_or("")
    );

    let record = client.drafts().publish(id).await?;
    println!("published {id}: {}", record.link("self_html").unwrap_or(""));

    let dest = dir.path().join("out").join("data.csv");
    let got = client
        .records()
        .download_to(id, "data.csv", &dest, &DownloadOptions::default())
        .await?;
    println!("downloaded {} bytes, md5 {} verified", got.size, got.md5);

    let hits = client
        .query()
        .records(&SearchQuery::new("\"Example deposit\"").size(5))
        .await?;
    println!("search finds {} record(s)", hits.total());
    assert!(Path::new(&dest).exists());
    Ok(())
}
