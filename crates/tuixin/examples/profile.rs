fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let reps: usize = std::env::args().nth(2).map_or(3, |n| n.parse().unwrap());
    let mut msgs = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        msgs.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    let mut n = 0;
    for _ in 0..reps {
        for m in &msgs {
            n += tuixin::decode(m).map_or(0, |r| r.len());
        }
    }
    println!("{n}");
}
