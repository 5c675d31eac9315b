"""Finding widgets a layout has clipped: squeezed below what they need, or hidden behind a collapsed splitter pane.

Used by the layout tests of every workspace and of the whole window at the
smallest supported size (1024x700).
"""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QWidget,
)

CHECKED_TYPES = (QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QLineEdit, QProgressBar, QAbstractSlider)


def _visible_rect(widget: QWidget) -> QRect:
    """The part of `widget` (in its own coordinates) that its ancestors let show, up to the window or a scroll area."""
    rect = widget.rect()
    parent = widget.parentWidget()
    while parent is not None:
        origin = widget.mapTo(parent, rect.topLeft())
        in_parent = QRect(origin, rect.size()).intersected(parent.rect())
        rect = QRect(widget.mapFrom(parent, in_parent.topLeft()), in_parent.size())
        if isinstance(parent, QAbstractScrollArea) or parent.isWindow():
            break  # a scroll area lets its user reach the rest
        parent = parent.parentWidget()
    return rect


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    """The innermost scroll area around `widget`, or None."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def _cut_off(widget: QWidget, hint_width: int) -> str:
    """Why `widget` is cut off by its ancestors (up to the window or a scroll area), or ''."""
    shown = _visible_rect(widget)
    if shown.width() < min(widget.width(), hint_width) or shown.height() < min(widget.height(), 12):
        return f"only {shown.width()}x{shown.height()} of {widget.width()}x{widget.height()} shown"
    return ""


def _unreachable(widget: QWidget) -> str:
    """Why scrolling cannot bring `widget` into view, or ''.

    Scrolling reaches the rest of a scroll area's content only where the scroll
    area itself shows: one pushed out of the window, or squeezed (a collapsed
    splitter pane) so that its viewport cannot show the control, hides it too.
    """
    area = _scroll_area_of(widget)
    while area is not None:
        viewport = area.viewport()
        if viewport.width() < min(widget.width(), 24) or viewport.height() < min(widget.height(), 12):
            return f"in a {viewport.width()}x{viewport.height()} scroll area"
        hint = area.minimumSizeHint()
        why = _cut_off(area, hint.width() if hint.isValid() else area.width())
        if why:
            return f"its scroll area is cut off ({why})"
        widget, area = area, _scroll_area_of(area)
    return ""


def clipped_widgets(root: QWidget) -> list[str]:
    """Every visible control under `root` that is narrower or lower than its minimum size hint, or partly cut off.

    Labels whose horizontal policy is Ignored (elided, "shrinkable") or that wrap
    words may be narrower than their text; everything else must fit.
    """
    problems = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CHECKED_TYPES) or not widget.isVisibleTo(root) or not widget.isVisible():
            continue
        if isinstance(widget, QAbstractSlider) and _is_own_scroll_bar(widget):
            continue  # a scroll area's own scroll bars
        name = f"{type(widget).__name__} {widget.objectName() or _text(widget)!r} in {type(widget.parentWidget()).__name__}"
        hint = _needed_size(widget)
        elastic = isinstance(widget, QLabel) and (widget.wordWrap() or widget.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored)
        if not elastic and hint.isValid() and widget.width() < hint.width():
            problems.append(f"{name}: {widget.width()} px wide, needs {hint.width()}")
            continue
        if hint.isValid() and widget.height() < min(hint.height(), 16):
            problems.append(f"{name}: {widget.height()} px high, needs {hint.height()}")
            continue
        # Inside a scroll area the control only has to be reachable by scrolling; the
        # scroll area itself must show (this used to be skipped, so a folder panel in a
        # scroll area pushed out of the window, or squeezed by a splitter, passed).
        why = _unreachable(widget) if _scroll_area_of(widget) is not None else _cut_off(widget, hint.width() if hint.isValid() else widget.width())
        if why:
            problems.append(f"{name}: {why}")
    return problems


def shown_without_scrolling(widget: QWidget) -> bool:
    """Whether all of `widget` shows in its window as it is: no ancestor, scroll area viewports included, cuts it."""
    rect = widget.rect()
    parent = widget.parentWidget()
    while parent is not None and not rect.isEmpty():
        rect = QRect(widget.mapTo(parent, rect.topLeft()), rect.size()).intersected(parent.rect())
        rect = QRect(widget.mapFrom(parent, rect.topLeft()), rect.size())
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return widget.isVisible() and rect.size() == widget.size()


def _text(widget: QWidget) -> str:
    for attribute in ("text", "title", "currentText", "placeholderText"):
        getter = getattr(widget, attribute, None)
        if callable(getter):
            try:
                value = getter()
            except TypeError:
                continue
            if isinstance(value, str) and value:
                return value[:30]
    return ""


def _is_own_scroll_bar(widget: QWidget) -> bool:
    """A scroll area's own scroll bar: Qt parents them to a container inside the area, not to the area itself."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent is not None and widget in (parent.horizontalScrollBar(), parent.verticalScrollBar())


def _needed_size(widget: QWidget) -> QSize:
    """What `widget` needs to show all of itself: its minimum size hint, for a spin box also its size hint.

    QAbstractSpinBox.minimumSizeHint leaves the suffix out (Qt measures the
    prefix, the range and the special value text only), so a spin box cut to
    "12 frames / an" met it; its size hint measures the suffix too.
    """
    hint = widget.minimumSizeHint()
    if isinstance(widget, QAbstractSpinBox) and hint.isValid():
        hint = hint.expandedTo(widget.sizeHint())
    return hint
