//! The join code a teacher reads out: the host's IPv4 address and port in
//! ten letters and digits (Crockford's base 32: no I, L, O or U, so nothing
//! is misread), written `XXXXX-XXXXX`. No server anywhere: the code is the
//! address.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The code for `addr`.
pub fn encode(addr: SocketAddrV4) -> String {
    let mut bits = u64::from(u32::from(*addr.ip())) << 16 | u64::from(addr.port());
    let mut chars = [0u8; 10];
    for c in chars.iter_mut().rev() {
        *c = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    let text: String = chars.iter().map(|&c| c as char).collect();
    format!("{}-{}", &text[..5], &text[5..])
}

/// The address in a code (case, spaces and dashes ignored; I and L read
/// as 1, O as 0).
pub fn decode(code: &str) -> Result<SocketAddrV4, String> {
    let digits: Vec<u8> = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .map(|c| {
            ALPHABET
                .iter()
                .position(|&a| a as char == c)
                .map(|v| v as u8)
                .ok_or_else(|| {
                    format!("\"{code}\" is not a class code: '{c}' is not one of its letters")
                })
        })
        .collect::<Result<_, _>>()?;
    if digits.len() != 10 {
        return Err(format!(
            "\"{code}\" is not a class code: a code has 10 letters and digits, like 3Z4K0-01JR8, and this has {}",
            digits.len()
        ));
    }
    let bits = digits.iter().fold(0u64, |b, &d| b << 5 | u64::from(d));
    let ip = Ipv4Addr::from((bits >> 16) as u32);
    let port = (bits & 0xffff) as u16;
    if port == 0 {
        return Err(format!("\"{code}\" is not a class code: it names port 0"));
    }
    Ok(SocketAddrV4::new(ip, port))
}

/// Where to join: a class code or `HOST:PORT`.
pub fn parse_target(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.trim().parse::<SocketAddr>() {
        return Ok(addr);
    }
    if text.contains(':') {
        return Err(format!(
            "\"{text}\" is not an address: write HOST:PORT with a numeric address, like 192.168.1.20:5757, or the class code"
        ));
    }
    decode(text).map(SocketAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_read_forgivingly() {
        for (ip, port) in [
            ([127, 0, 0, 1], 5757),
            ([192, 168, 1, 20], 1),
            ([255, 255, 255, 255], 65535),
            ([10, 0, 0, 0], 40000),
        ] {
            let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
            let code = encode(addr);
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(decode(&code), Ok(addr));
            // Lower case, no dash, O for 0 and l for 1 read the same.
            let sloppy = code
                .replace('-', " ")
                .to_lowercase()
                .replace('0', "o")
                .replace('1', "l");
            assert_eq!(decode(&sloppy), Ok(addr), "{sloppy}");
        }
        assert!(decode("3Z4K0-01JR").unwrap_err().contains("10 letters"));
        assert!(decode("3Z4K0-01JRU").unwrap_err().contains("'U'"));
        assert!(parse_target("127.0.0.1:5757").is_ok());
        assert!(
            parse_target("localhost:5757")
                .unwrap_err()
                .contains("HOST:PORT")
        );
    }
}
