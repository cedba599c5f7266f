//! SEC-4, limits before trust, against the real server on 127.0.0.1 over real HTTP: who signed a request is
//! decided from its headers before its body is read; slow and numerous connections are cut; hostile CBOR and
//! automerge messages are refused before they are expanded; counters are whole u64s. Every refusal leaves the
//! store as it was, and the registered device goes on syncing. SEC-6: a `replayed` refusal tells the device,
//! and only the device, where to resume.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod common;

use automerge::sync::{ChunkList, Message, MessageVersion};
use common::{DEVICE, Harness, dump, keypair, start, start_with};
use fieldtrail_core::httpsig::{self, SignedHeaders};
use fieldtrail_core::protocol::{self, DocMessage, ErrorBody, SyncRequest};
use fieldtrail_server::{DEFAULT_MAX_BODY, Limits};
use serde_bytes::ByteBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DOC: &str = "5b0c2f3e-8d1a-4c47-9e0b-6a2d4f1c9e21";

fn sync_body(docs: Vec<DocMessage>) -> Vec<u8> {
    protocol::encode(&SyncRequest {
        v: protocol::PROTOCOL_VERSION,
        terminal: DEVICE.into(),
        cursor: 0,
        docs,
        ..Default::default()
    })
}

/// An HTTP/1.1 response read off a raw socket: status and body.
async fn response(stream: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length || n == 0 {
                    let status = text[9..12].parse().unwrap();
                    return (status, buf[end + 4..].to_vec());
                }
            }
            assert!(n > 0, "the server closed the connection without answering: {text:?}");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the server answered")
}

fn head(h: &Harness, length: usize, signed: Option<&SignedHeaders>) -> String {
    let mut head = format!(
        "POST /v1/sync HTTP/1.1\r\nhost: {}\r\ncontent-type: application/cbor\r\ncontent-length: {length}\r\n",
        h.base.trim_start_matches("http://")
    );
    if let Some(s) = signed {
        head.push_str(&format!("signature-input: {}\r\nsignature: {}\r\n", s.signature_input, s.signature));
        if let Some(d) = &s.content_digest {
            head.push_str(&format!("content-digest: {d}\r\n"));
        }
    }
    head + "\r\n"
}

/// Sends only the headers of a request announcing `length` body bytes, and waits for the answer: it comes
/// although not one byte of the body was sent, so the server decided without reading it.
async fn answered_before_the_body(h: &Harness, length: usize, signed: Option<&SignedHeaders>) -> (u16, ErrorBody) {
    let mut stream = TcpStream::connect(h.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(head(h, length, signed).as_bytes()).await.unwrap();
    let (status, body) = response(&mut stream).await;
    let err: ErrorBody = serde_json::from_slice(&body).unwrap();
    (status, err)
}

/// SEC-4: unsigned, unknown-device, forged and replayed requests announcing a 32 MiB body are answered before
/// the body is sent; none of them changes the store, leaks where to resume, or stops the device.
#[tokio::test]
async fn sec4_requests_from_no_device_are_refused_before_their_body_is_read() {
    let h = start_with(DEFAULT_MAX_BODY, Limits::default()).await;
    assert_eq!(h.post(sync_body(vec![])).await.0, 200, "the registered device syncs");
    let big = vec![7u8; DEFAULT_MAX_BODY];
    let before = dump(&h.data);

    let (status, err) = answered_before_the_body(&h, big.len(), None).await;
    assert_eq!((status, err.code.as_str()), (401, "unsigned"), "{}", err.message);

    let stranger = keypair();
    let unknown = httpsig::sign_request("POST", "/v1/sync", Some(&big), "stranger", 1, 0, &stranger);
    let (status, err) = answered_before_the_body(&h, big.len(), Some(&unknown)).await;
    assert_eq!((status, err.code.as_str()), (401, "unknown_device"), "{}", err.message);

    let forged = httpsig::sign_request("POST", "/v1/sync", Some(&big), DEVICE, 99, 0, &stranger);
    let (status, err) = answered_before_the_body(&h, big.len(), Some(&forged)).await;
    assert_eq!((status, err.code.as_str()), (401, "bad_signature"), "{}", err.message);
    assert_eq!(err.resume_after, None, "a forger learns nothing about the device's counter");

    let mut garbled = h.sign(&big);
    garbled.signature_input = garbled.signature_input.replace("keyid", "key");
    let (status, err) = answered_before_the_body(&h, big.len(), Some(&garbled)).await;
    assert_eq!((status, err.code.as_str()), (401, "bad_signature_headers"), "{}", err.message);

    // The device's own counter 1 again (the first sync used it): refused before the body, with where to resume.
    let replay = httpsig::sign_request("POST", "/v1/sync", Some(&big), DEVICE, 1, 0, &h.key);
    let (status, err) = answered_before_the_body(&h, big.len(), Some(&replay)).await;
    assert_eq!((status, err.code.as_str(), err.resume_after), (401, "replayed", Some(1)), "{}", err.message);

    // The device's own signature, a body over the limit: 413 before the body.
    let (status, err) = answered_before_the_body(&h, DEFAULT_MAX_BODY + 1, Some(&h.sign(&big))).await;
    assert_eq!((status, err.code.as_str()), (413, "body_too_large"), "{}", err.message);

    assert_eq!(dump(&h.data), before, "no refusal changed a row, not even a request counter");
    assert_eq!(h.post(sync_body(vec![])).await.0, 200, "the device still syncs");
}

/// SEC-4: a correctly signed request whose body does not match its signed digest is refused, and its counter is
/// not spent: the store is exactly as before.
#[tokio::test]
async fn sec4_a_body_that_does_not_match_its_signed_digest_is_refused() {
    let h = start().await;
    let body = sync_body(vec![]);
    let headers = h.sign(&body);
    let mut changed = body.clone();
    changed[3] ^= 1;
    h.refused_with(changed, &headers, 401, "digest_mismatch", "Content-Digest").await;
    assert_eq!(h.send(body, &headers).await.0, 200, "the untouched request still goes through");
}

/// SEC-4: a client that sends its headers or its body too slowly is cut off; the server goes on serving.
#[tokio::test]
async fn sec4_slow_headers_and_slow_bodies_are_cut_by_the_timeouts() {
    let limits =
        Limits { header_timeout: Duration::from_secs(1), body_timeout: Duration::from_secs(1), ..Limits::default() };
    let h = start_with(DEFAULT_MAX_BODY, limits).await;
    let before = dump(&h.data);

    // Half a request line, then nothing: the connection is closed.
    let mut slow = TcpStream::connect(h.base.trim_start_matches("http://")).await.unwrap();
    slow.write_all(b"POST /v1/sync HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the server closed a connection whose headers never ended");

    // A signed request whose body stops half way: 408, nothing stored, the counter not spent.
    let body = sync_body(vec![]);
    let headers = h.sign(&body);
    let mut stream = TcpStream::connect(h.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(head(&h, body.len(), Some(&headers)).as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    let (status, reply) = response(&mut stream).await;
    let err: ErrorBody = serde_json::from_slice(&reply).unwrap();
    assert_eq!((status, err.code.as_str()), (408, "body_timeout"), "{}", err.message);
    assert_eq!(dump(&h.data), before, "a stalled request changed nothing");
    assert_eq!(h.send(body, &headers).await.0, 200, "the same request, sent whole, goes through");
}

/// SEC-4: connections beyond the limit are answered 503 at once; when the idle ones go, the device is served.
#[tokio::test]
async fn sec4_connections_beyond_the_limit_are_refused_and_served_once_slots_free() {
    let h = start_with(DEFAULT_MAX_BODY, Limits { max_connections: 2, ..Limits::default() }).await;
    let addr = h.base.trim_start_matches("http://").to_owned();
    let idle = [TcpStream::connect(&addr).await.unwrap(), TcpStream::connect(&addr).await.unwrap()];
    // Both idle connections have their slots once the server accepted them; a third is refused.
    let mut refused = None;
    for _ in 0..250 {
        let resp = reqwest::get(format!("{}/healthz", h.base)).await.unwrap();
        if resp.status().as_u16() == 503 {
            refused = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = refused.expect("a third connection is refused while two are held");
    let err: ErrorBody = serde_json::from_slice(&refused.bytes().await.unwrap()).unwrap();
    assert_eq!(err.code, "too_many_connections", "{}", err.message);
    assert!(err.message.contains("limit of 2 connections"), "{}", err.message);
    drop(idle);
    let mut served = false;
    for _ in 0..250 {
        if h.post(sync_body(vec![])).await.0 == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "the device syncs once the idle connections are gone");
}

/// SEC-4: CBOR nested without end, or claiming lengths it does not carry, is refused with 400 and changes no
/// record.
#[tokio::test]
async fn sec4_hostile_cbor_is_refused_without_building_it() {
    let h = start_with(DEFAULT_MAX_BODY, Limits::default()).await;
    // {"x": [[[[…1…]]]], "v": 1}: a million levels in a field nobody reads.
    let deep = [vec![0xa2, 0x61, b'x'], vec![0x81; 1_000_000], vec![0x01, 0x61, b'v', 0x01]].concat();
    h.refused(deep, 400, "bad_body", "nested deeper than 16").await;
    // A map whose first key claims 2^62 bytes of text.
    let huge = vec![0xa1, 0x7b, 0x40, 0, 0, 0, 0, 0, 0, 0, b'v'];
    h.refused(huge, 400, "bad_body", "ends in the middle").await;
    // An array announcing 2^62 documents.
    let mut many = sync_body(vec![]);
    let at = many.iter().position(|b| *b == 0x80).unwrap(); // the empty docs array
    many.splice(at..at + 1, [0x9b, 0x40, 0, 0, 0, 0, 0, 0, 0]);
    h.refused(many, 400, "bad_body", "").await;
    assert_eq!(h.post(sync_body(vec![])).await.0, 200, "the device still syncs");
}

/// SEC-4: an automerge message whose compressed change inflates to 64 MiB from about 64 KiB on the wire is
/// refused before automerge expands it.
#[tokio::test]
async fn sec4_a_zip_bomb_in_an_automerge_message_is_refused() {
    let h = start_with(DEFAULT_MAX_BODY, Limits::default()).await;
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut deflate, &vec![0u8; 64 << 20]).unwrap();
    let bomb = deflate.finish().unwrap();
    // An automerge chunk: magic, checksum, type 2 (compressed change), LEB128 length, the DEFLATE stream.
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    let mut len = bomb.len();
    while len >= 0x80 {
        chunk.push((len as u8 & 0x7f) | 0x80);
        len >>= 7;
    }
    chunk.push(len as u8);
    chunk.extend(&bomb);
    let msg = Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: ChunkList::from(chunk),
        flags: None,
        version: MessageVersion::V1,
    };
    let body = sync_body(vec![DocMessage { id: DOC.into(), msg: ByteBuf::from(msg.encode()) }]);
    assert!(body.len() < 256 * 1024, "the bomb is {} bytes on the wire", body.len());
    h.refused(body, 413, "inflates_too_much", "expand to more than 33554432 bytes").await;
    assert_eq!(h.post(sync_body(vec![])).await.0, 200, "the device still syncs");
}

/// SEC-4, SEC-6: request counters above 2^63 - 1 work, never wrap; a replay is told the true newest counter.
#[tokio::test]
async fn sec4_counters_above_i64_max_are_whole_u64s() {
    let h = start().await;
    let body = sync_body(vec![]);
    let high = i64::MAX as u64 + 5;
    let headers = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, high, 0, &h.key);
    assert_eq!(h.send(body.clone(), &headers).await.0, 200);
    let before = dump(&h.data);
    let (status, reply) = h.send(body.clone(), &headers).await;
    let err: ErrorBody = serde_json::from_slice(&reply).unwrap();
    assert_eq!((status, err.code.as_str(), err.resume_after), (401, "replayed", Some(high)), "{}", err.message);
    assert_eq!(dump(&h.data), before);
    // An old counter is far behind, not a wrapped negative number ahead.
    let old = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, 7, 0, &h.key);
    h.refused_with(body.clone(), &old, 401, "replayed", &high.to_string()).await;
    let top = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, u64::MAX, 0, &h.key);
    assert_eq!(h.send(body.clone(), &top).await.0, 200, "the very last counter is accepted once");
    h.refused_with(body, &top, 401, "replayed", &u64::MAX.to_string()).await;
}
