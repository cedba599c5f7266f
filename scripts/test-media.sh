#!/usr/bin/env bash
# Generates the real media files the evidence tests and benchmarks use (REC-2), with Debian's ffmpeg, sox,
# ImageMagick and exiftool (scripts/apt-test-packages.txt). Usage: scripts/test-media.sh DIR
# Idempotent: a file that exists is left alone, so a test run pays for generation once.
set -euo pipefail

dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
cd "$dir"

have() { [ -s "$1" ]; }
quiet() { "$@" >/dev/null 2>&1; }

# A JPEG photo with EXIF time, GPS (Linhe district) and orientation 6 (the camera was turned: rotate 90° CW).
if ! have photo_gps_rot.jpg; then
    quiet convert -size 640x480 gradient:navy-orange -fill white -draw "rectangle 20,20 200,120" tmp_photo.jpg
    quiet exiftool -overwrite_original -DateTimeOriginal="2026:11:20 09:30:15" -Orientation#=6 \
        -GPSLatitude=40.7574 -GPSLatitudeRef=N -GPSLongitude=107.3877 -GPSLongitudeRef=E tmp_photo.jpg
    mv tmp_photo.jpg photo_gps_rot.jpg
fi

# A PNG screenshot-like image, no EXIF.
have photo.png || { quiet convert -size 300x200 pattern:checkerboard tmp.png && mv tmp.png photo.png; }

# H.264 video, 2 s, and AAC audio in M4A, 3 s.
have video.mp4 || { quiet ffmpeg -nostdin -y -f lavfi -i testsrc=size=320x240:rate=25 -t 2 -c:v libx264 \
    -pix_fmt yuv420p tmp.mp4 && mv tmp.mp4 video.mp4; }
have audio.m4a || { quiet ffmpeg -nostdin -y -f lavfi -i sine=frequency=440:duration=3 -c:a aac tmp.m4a \
    && mv tmp.m4a audio.m4a; }

# WAV from sox: 2.5 s of 16 kHz mono.
have audio.wav || { quiet sox -n -r 16000 -c 1 -b 16 tmp.wav synth 2.5 sine 440 && mv tmp.wav audio.wav; }

# Bad cases: a JPEG cut in half, an empty file, a WAV that calls itself .jpg, text that calls itself .mp4.
if ! have truncated.jpg; then
    size=$(stat -c %s photo_gps_rot.jpg)
    head -c $((size / 2)) photo_gps_rot.jpg > truncated.jpg
fi
[ -e empty.jpg ] || : > empty.jpg
have lying.jpg || cp audio.wav lying.jpg
have notes.mp4 || printf 'not a video, just notes\n' > notes.mp4

# A PNG whose header declares 60000×60000 pixels (10.8 GB of RGB) with almost no data: a decompression bomb.
have bomb.png || perl -MCompress::Zlib -e '
    sub chunk { my ($t, $d) = @_; pack("N", length $d) . $t . $d . pack("N", crc32($t . $d)) }
    binmode STDOUT;
    print "\x89PNG\r\n\x1a\n", chunk("IHDR", pack("NNCCCCC", 60000, 60000, 8, 2, 0, 0, 0)),
        chunk("IDAT", compress("\0" x 1024)), chunk("IEND", "");
' > bomb.png

# A 12-megapixel camera-like JPEG (4000×3000) for the thumbnail benchmark.
have photo_12mp.jpg || { quiet ffmpeg -nostdin -y -f lavfi -i testsrc2=size=4000x3000 -vf noise=alls=12:allf=u -frames:v 1 -q:v 3 tmp12.jpg \
    && mv tmp12.jpg photo_12mp.jpg; }

echo "$dir"
