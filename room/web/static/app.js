// The operator's page: log in with the PIN, then one WebSocket to the bridge, which speaks
// protocol v1 (docs/protocol.md) to the conductor. No build step.
"use strict";
const $ = (id) => document.getElementById(id);
let socket = null;
let nextId = 1;
let clips = [];
let lastState = null;
let loggedOut = false;

function send(cmd, args = {}) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ v: 1, id: `page-${nextId++}`, cmd, args }));
}

function targets() {
  const screen = $("target").value;
  return screen ? { screens: [screen] } : {};
}

function say(text) { $("message").textContent = text; }

function formatDuration(seconds) {
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}

function showClips() {
  const grid = $("clips");
  grid.replaceChildren(...clips.map((clip) => {
    const card = document.createElement("button");
    card.className = "clip";
    card.dataset.clip = clip.id;
    card.innerHTML = `<img alt="" src="/posters/${encodeURIComponent(clip.id)}"><span class="caption">
      <span class="title"></span><span class="meta"></span></span>`;
    card.querySelector(".title").textContent = clip.title;
    card.querySelector(".meta").textContent =
      [clip.year, formatDuration(clip.duration_s)].filter(Boolean).join(" · ");
    card.addEventListener("click", () => send("play", { clip: clip.id, ...targets() }));
    return card;
  }));
}

function showState(state) {
  lastState = state;
  const box = $("screens");
  const select = $("target");
  const names = Object.keys(state.screens);
  if (select.options.length !== names.length + 1) {
    select.replaceChildren(new Option("all screens", ""), ...names.map((n) => new Option(n, n)));
  }
  box.replaceChildren(...names.map((name) => {
    const s = state.screens[name];
    const card = document.createElement("div");
    card.className = "screen" + (s.connected ? "" : " unreachable");
    card.dataset.screen = name;
    const title = s.connected ? (s.title || s.clip || "nothing") : "unreachable";
    const progress = s.connected && s.frame_count ? Math.max(0, (s.frame + 1) / s.frame_count) : 0;
    card.innerHTML = `<h2><span class="name"></span><span class="state"></span></h2>
      <div class="now"></div><div class="progress"><div></div></div><div class="state drops"></div>`;
    card.querySelector(".name").textContent = name;
    card.querySelector("h2 .state").textContent = s.connected ? s.state : "not connected";
    card.querySelector(".now").textContent = title;
    card.querySelector(".progress > div").style.width = `${(progress * 100).toFixed(1)}%`;
    card.querySelector(".drops").textContent = s.connected
      ? `frame ${s.frame + 1} of ${s.frame_count} · ${s.dropped} dropped · ${Number(s.fps).toFixed(0)} fps` : "";
    return card;
  }));
  $("attract").checked = state.attract;
}

function conductor(up) {
  const badge = $("conductor");
  badge.textContent = up ? "Conductor connected" : "Conductor unreachable";
  badge.className = "badge " + (up ? "up" : "down");
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => { send("list"); };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "state") showState(message.data);
    else if (message.type === "conductor") conductor(message.up);
    else if (message.type === "logout") logOut(message.reason || "Log in again.");
    else if (message.type === "reply") {
      const reply = message.data;
      if (!reply.ok) say(reply.error.message);
      else if (reply.data && reply.data.clips) { clips = reply.data.clips; showClips(); }
    }
  };
  socket.onclose = () => {
    if (loggedOut) return;
    conductor(false);
    say("Lost the connection to the room; trying again…");
    setTimeout(connect, 1000);
  };
}

function logOut(text) {
  loggedOut = true;
  $("room").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = text;
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch("/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ pin: $("pin").value }),
  });
  if (!response.ok) {
    $("login-error").textContent = (await response.json()).error;
    $("pin").value = "";
    return;
  }
  $("login").hidden = true;
  $("room").hidden = false;
  loggedOut = false;
  connect();
});

document.querySelectorAll("[data-mode]").forEach((button) => button.addEventListener("click", () => {
  const mode = button.dataset.mode;
  const look = { wipe: { position: 0.5 }, crossfade: { fade: 1 }, split: { split: 1 }, reveal: { radius: 0.3 } };
  send("transition", { mode, ...look[mode], ...targets() });
  document.querySelectorAll("[data-mode]").forEach((b) => b.classList.toggle("active", b === button));
}));

// live wipe: at most one message per animation frame, always the latest position
let wipePending = false;
$("wipe").addEventListener("input", () => {
  if (wipePending) return;
  wipePending = true;
  requestAnimationFrame(() => {
    wipePending = false;
    send("wipe", { position: Number($("wipe").value), ...targets() });
  });
});

$("attract").addEventListener("change", () => {
  const playlist = lastState ? lastState.playlist : [];
  send("playlist", { clips: playlist, attract: $("attract").checked });
});
