// The desk's sounds, made in the browser with WebAudio (no sound files): one cue per outcome,
// told apart by pitch, direction and rhythm as well as by the screen, and a fever alarm that
// repeats until someone acknowledges it.
//
//   ADMIT    two rising notes, soft          (ding-ding, up)
//   RECHECK  two same notes                  (beep beep)
//   DENY     two falling low notes, harsh    (bong-bong, down)
//   notice   one short blip                  (unreadable input: try again)
//   fever    four high alternating notes, again every 1.5 s until acknowledged
//
// The mute switch is kept on this device (localStorage). A browser plays sound only after
// the page was touched once; until then Cues.locked is true and the page says so.
"use strict";
(function () {
  const MUTE_KEY = "ccg_muted";
  const PATTERNS = {
    ADMIT: { wave: "sine", gain: 0.25, notes: [[660, 0.12], [880, 0.18]] },
    RECHECK: { wave: "triangle", gain: 0.3, notes: [[587, 0.15], [0, 0.1], [587, 0.15]] },
    DENY: { wave: "square", gain: 0.12, notes: [[392, 0.25], [262, 0.35]] },
    notice: { wave: "triangle", gain: 0.25, notes: [[523, 0.09]] },
    fever: { wave: "square", gain: 0.14, notes: [[988, 0.18], [740, 0.18], [988, 0.18], [740, 0.18]] },
  };
  const ALARM_EVERY_MS = 1500;

  let context = null;
  let alarmTimer = null;
  let muted = false;
  try { muted = localStorage.getItem(MUTE_KEY) === "1"; } catch (_) { muted = false; }
  const listeners = [];
  const played = [];  // what was played (or would have been, when muted), for the tests

  function audio() {
    if (!context) {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return null;
      context = new Context();
      context.onstatechange = changed;
    }
    return context;
  }

  function changed() { for (const listener of listeners) listener(); }

  function tone(ctx, start, frequency, seconds, wave, gain) {
    if (!frequency) return;
    const osc = ctx.createOscillator();
    const amp = ctx.createGain();
    osc.type = wave;
    osc.frequency.value = frequency;
    // a short attack and release: no clicks
    amp.gain.setValueAtTime(0, start);
    amp.gain.linearRampToValueAtTime(gain, start + 0.01);
    amp.gain.setValueAtTime(gain, start + seconds - 0.02);
    amp.gain.linearRampToValueAtTime(0, start + seconds);
    osc.connect(amp).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + seconds + 0.01);
  }

  function play(kind) {
    const pattern = PATTERNS[kind];
    if (!pattern) return;
    played.push({ kind, muted });
    document.body.dataset.cues = String(played.length);
    document.body.dataset.lastCue = kind;
    if (muted) return;
    const ctx = audio();
    if (!ctx || ctx.state !== "running") return;
    let at = ctx.currentTime + 0.02;
    for (const [frequency, seconds] of pattern.notes) {
      tone(ctx, at, frequency, seconds, pattern.wave, pattern.gain);
      at += seconds + 0.03;
    }
  }

  // The fever alarm: on until acknowledged (muting silences it, but it stays on screen).
  function alarm(on) {
    if (on && alarmTimer === null) {
      play("fever");
      alarmTimer = setInterval(() => play("fever"), ALARM_EVERY_MS);
    } else if (!on && alarmTimer !== null) {
      clearInterval(alarmTimer);
      alarmTimer = null;
    }
    document.body.dataset.alarm = alarmTimer === null ? "off" : "on";
  }

  function setMuted(value) {
    muted = !!value;
    try { localStorage.setItem(MUTE_KEY, muted ? "1" : "0"); } catch (_) { /* private mode */ }
    changed();
  }

  // Called on any touch, click or key: the browser lets sound start from there.
  function unlock() {
    const ctx = audio();
    if (ctx && ctx.state === "suspended") ctx.resume().then(changed, changed);
  }

  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, unlock, { capture: true });

  window.Cues = {
    play, alarm, setMuted, unlock, played,
    get muted() { return muted; },
    get alarming() { return alarmTimer !== null; },
    get locked() { const ctx = audio(); return !ctx || ctx.state !== "running"; },
    onChange(listener) { listeners.push(listener); },
  };
})();
