#pragma once
// RAII owners for the C handles the renderer and scanner use (cairo, Pango, GObject, libqrencode).
// Internal to render/.

#include <cairo-pdf.h>
#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib-object.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <memory>

namespace cityid::render::internal {

template <auto Fn>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    if (p) Fn(p);
  }
};

using CairoPtr = std::unique_ptr<cairo_t, FreeWith<cairo_destroy>>;
using SurfacePtr = std::unique_ptr<cairo_surface_t, FreeWith<cairo_surface_destroy>>;
using FontOptionsPtr = std::unique_ptr<cairo_font_options_t, FreeWith<cairo_font_options_destroy>>;
using LayoutPtr = std::unique_ptr<PangoLayout, FreeWith<g_object_unref>>;
using FontDescPtr = std::unique_ptr<PangoFontDescription, FreeWith<pango_font_description_free>>;
using PixbufLoaderPtr = std::unique_ptr<GdkPixbufLoader, FreeWith<g_object_unref>>;
using PixbufPtr = std::unique_ptr<GdkPixbuf, FreeWith<g_object_unref>>;
using GErrorPtr = std::unique_ptr<GError, FreeWith<g_error_free>>;
using QrCodePtr = std::unique_ptr<QRcode, FreeWith<QRcode_free>>;

}  // namespace cityid::render::internal
