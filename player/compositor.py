"""The compositor: one shader that draws both versions of a frame with a before/after look.

Each version arrives as three ``GL_R8`` textures (Y, U, V planes of ``yuv420p``, BT.601 limited
range), uploaded straight from PyAV's buffers, and is converted to RGB in the shader.

The shader source has two specialisations. With ``COMPOSITE`` defined it is the full compositor,
one uniform per look parameter (wipe, crossfade, reveal, handle). Without, it draws one version
only. A software renderer (Mesa's llvmpipe on a kiosk without a GPU) pays for every texture
path in a shader, taken or not, so the CPU cuts the screen into regions (``player.regions``):
regions that show one version use the one-version shader, and only the narrow strips where the
versions meet (the wipe's soft edge and handle, the reveal lens, a crossfade) use the full one.
"""

from __future__ import annotations

import ctypes

import av
from pyglet import gl
from pyglet.graphics.shader import Shader, ShaderProgram

from config.look import MODES, Look
from player.layout import Rect
from player.regions import Polygon, regions

MODE_NUMBERS = {mode: number for number, mode in enumerate(MODES)}
"""The shader's number for each mode (its ``mode`` uniform)."""
MAX_VERTICES = 8

VERTEX = """#version 330 core
in vec2 position;       // pixels, origin at the bottom left
uniform vec2 viewport;  // width, height in pixels
void main() { gl_Position = vec4(position / viewport * 2.0 - 1.0, 0.0, 1.0); }
"""

FRAGMENT = """
out vec4 colour;
uniform vec4 film;           // the film's rectangle: x, y (bottom left), w, h in pixels

vec3 rgb(sampler2D y, sampler2D u, sampler2D v, vec2 uv) {
    float l = 1.16438 * (textureLod(y, uv, 0.0).r - 0.062745);
    float cb = textureLod(u, uv, 0.0).r - 0.5;
    float cr = textureLod(v, uv, 0.0).r - 0.5;
    return vec3(l + 1.59603 * cr, l - 0.39176 * cb - 0.81297 * cr, l + 2.01723 * cb);
}
vec2 film_uv(vec2 p) { return vec2((p.x - film.x) / film.z, 1.0 - (p.y - film.y) / film.w); }

#ifdef COMPOSITE
uniform sampler2D original_y, original_u, original_v, restored_y, restored_u, restored_v;
uniform int mode;            // 0 wipe, 1 crossfade, 3 reveal
uniform float position;      // wipe divider across the film, 0..1; original left of it
uniform float angle;         // wipe divider tilt from vertical, degrees
uniform float softness;      // wipe edge half-width, film widths
uniform float handle;        // wipe handle opacity
uniform float fade;          // crossfade weight of the restored version
uniform vec2 centre;         // reveal lens centre, film widths/heights from the top left
uniform float radius;        // reveal lens radius, film heights

float band(float d, float width) { return 1.0 - smoothstep(width, width + 1.5, abs(d)); }

void main() {
    vec2 uv = film_uv(gl_FragCoord.xy);
    vec2 px = uv * film.zw;  // film pixels from the top left
    float w = fade;          // weight of the restored version
    float line = 0.0, knob = 0.0, ring = 0.0;
    if (mode == 0) {
        float a = radians(angle);
        vec2 divider = vec2(position, 0.5) * film.zw;
        float d = dot(px - divider, vec2(cos(a), sin(a)));
        float s = max(softness * film.z, 0.75);
        w = smoothstep(-s, s, d);
        float r = 0.045 * film.w, k = length(px - divider);
        line = handle * band(d, 1.0);
        knob = handle * (1.0 - smoothstep(r - 1.0, r + 0.5, k));
        ring = handle * band(k - r, 1.2);
    } else if (mode == 3) {
        float k = length(px - centre * film.zw) / film.w;
        w = 1.0 - smoothstep(radius - 0.015, radius + 0.015, k);
        ring = 0.35 * band((k - radius - 0.016) * film.w, 0.8);
    }
    vec3 o = rgb(original_y, original_u, original_v, uv);
    vec3 r = rgb(restored_y, restored_u, restored_v, uv);
    vec3 c = mix(mix(o, r, w), vec3(0.05), 0.45 * knob);
    colour = vec4(mix(c, vec3(1.0), max(line, ring) * 0.9), 1.0);
}
#else
uniform sampler2D plane_y, plane_u, plane_v;  // the one version this region shows
void main() { colour = vec4(rgb(plane_y, plane_u, plane_v, film_uv(gl_FragCoord.xy)), 1.0); }
#endif
"""


def _program(composite: bool) -> ShaderProgram:
    header = "#version 330 core\n" + ("#define COMPOSITE\n" if composite else "")
    return ShaderProgram(Shader(VERTEX, "vertex"), Shader(header + FRAGMENT, "fragment"))


class PlaneTextures:
    """The Y, U and V planes of one version as three ``GL_R8`` textures on units ``first..+2``."""

    def __init__(self, first_unit: int) -> None:
        self.units = (first_unit, first_unit + 1, first_unit + 2)
        ids = (gl.GLuint * 3)()
        gl.glGenTextures(3, ids)
        self.ids = tuple(ids)
        self.sizes: list[tuple[int, int]] = [(0, 0)] * 3
        self.luma_filter = gl.GL_LINEAR
        for unit, texture in zip(self.units, self.ids, strict=True):
            gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
            gl.glBindTexture(gl.GL_TEXTURE_2D, texture)
            for name, value in (
                (gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR),
                (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
                (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE),
                (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE),
            ):
                gl.glTexParameteri(gl.GL_TEXTURE_2D, name, value)

    def upload(self, frame: av.VideoFrame) -> None:
        """Copy a ``yuv420p`` frame's planes to the textures, straight from PyAV's buffers."""
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        for i, (unit, texture, plane) in enumerate(zip(self.units, self.ids, frame.planes, strict=True)):
            gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
            gl.glBindTexture(gl.GL_TEXTURE_2D, texture)
            gl.glPixelStorei(gl.GL_UNPACK_ROW_LENGTH, plane.line_size)
            size = (plane.width, plane.height)
            pixels = ctypes.c_void_p(plane.buffer_ptr)
            if size != self.sizes[i]:
                gl.glTexImage2D(
                    gl.GL_TEXTURE_2D, 0, gl.GL_R8, *size, 0, gl.GL_RED, gl.GL_UNSIGNED_BYTE, pixels
                )
                self.sizes[i] = size
            else:
                gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, *size, gl.GL_RED, gl.GL_UNSIGNED_BYTE, pixels)
        gl.glPixelStorei(gl.GL_UNPACK_ROW_LENGTH, 0)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def fit(self, rect: Rect) -> None:
        """Sample luma exactly (nearest) where it is drawn 1:1 on ``rect``, bilinear otherwise;
        a software renderer saves a quarter of its time on a 1:1 film."""
        exact = self.sizes[0] == (round(rect.w), round(rect.h))
        wanted = gl.GL_NEAREST if exact else gl.GL_LINEAR
        if wanted != self.luma_filter:
            gl.glActiveTexture(gl.GL_TEXTURE0 + self.units[0])
            gl.glBindTexture(gl.GL_TEXTURE_2D, self.ids[0])
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, wanted)
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, wanted)
            gl.glActiveTexture(gl.GL_TEXTURE0)
            self.luma_filter = wanted

    def bind(self) -> None:
        """Bind the planes to their units again (other drawing, such as text, may take a unit)."""
        for unit, texture in zip(self.units, self.ids, strict=True):
            gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
            gl.glBindTexture(gl.GL_TEXTURE_2D, texture)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def delete(self) -> None:
        """Free the textures."""
        gl.glDeleteTextures(3, (gl.GLuint * 3)(*self.ids))


class Compositor:
    """Draws a frame pair with a :class:`config.look.Look`. Needs a current GL 3.3 context."""

    def __init__(self) -> None:
        self.composite = _program(composite=True)
        self.single = _program(composite=False)
        # Units 1-6: pyglet's own drawing (text) uses unit 0.
        self.original = PlaneTextures(1)
        self.restored = PlaneTextures(4)
        self.composite.use()
        names = ("original_y", "original_u", "original_v", "restored_y", "restored_u", "restored_v")
        for name, unit in zip(names, self.original.units + self.restored.units, strict=True):
            self.composite[name] = unit
        self.composite.stop()
        self.shapes = {
            program: program.vertex_list(
                MAX_VERTICES, gl.GL_TRIANGLE_FAN, position=("f", (0.0,) * 2 * MAX_VERTICES)
            )
            for program in (self.composite, self.single)
        }
        self.loaded = False

    def upload(self, original: av.VideoFrame, restored: av.VideoFrame) -> None:
        """Make this pair the one drawn."""
        self.original.upload(original)
        self.restored.upload(restored)
        self.loaded = True

    def _fill(self, program: ShaderProgram, polygon: Polygon) -> None:
        if len(polygon) < 3:
            return
        points = list(polygon) + [polygon[-1]] * (MAX_VERTICES - len(polygon))
        shape = self.shapes[program]
        shape.position[:] = [coordinate for point in points for coordinate in point]
        shape.draw(gl.GL_TRIANGLE_FAN)

    def _set_look(self, look: Look, film: Rect, viewport: tuple[int, int]) -> None:
        program = self.composite
        program.use()
        program["viewport"] = viewport
        program["film"] = film.astuple()
        program["mode"] = MODE_NUMBERS[look.mode]
        program["position"] = look.position
        program["angle"] = look.angle
        program["softness"] = look.softness
        program["handle"] = look.handle
        program["fade"] = look.fade
        program["centre"] = look.centre
        program["radius"] = look.radius

    def draw(self, look: Look, film: Rect, film_restored: Rect, viewport: tuple[int, int]) -> None:
        """Clear the ``viewport`` (width, height pixels) to black and draw the loaded pair.

        ``film`` is the film's rectangle (the original's in the split view), ``film_restored``
        the restored film's rectangle in the split view."""
        gl.glClearColor(0.0, 0.0, 0.0, 1.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)
        if not self.loaded:
            return
        plan = regions(look, film, film_restored)
        self.original.fit(film)
        self.restored.fit(film_restored if look.mode == "split" else film)
        self.original.bind()
        self.restored.bind()
        single = self.single
        single.use()
        single["viewport"] = viewport
        for version, rect, polygons in plan.single:
            planes = self.original if version == "original" else self.restored
            single["plane_y"], single["plane_u"], single["plane_v"] = planes.units
            single["film"] = rect.astuple()
            for polygon in polygons:
                self._fill(single, polygon)
        single.stop()
        if plan.composite:
            self._set_look(look, film, viewport)
            for polygon in plan.composite:
                self._fill(self.composite, polygon)
            self.composite.stop()

    def delete(self) -> None:
        """Free the GL objects."""
        self.original.delete()
        self.restored.delete()
        for shape in self.shapes.values():
            shape.delete()
        self.composite.delete()
        self.single.delete()
