using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>
/// The one order every node keeps a list in: left-pushed elements by descending id, then right-pushed elements by
/// ascending id. For pushes made one after another (ids ascending) this is what plain LPUSH/RPUSH give; concurrent
/// pushes get one deterministic order. Compares ids and sides only, never payloads.
/// </summary>
internal sealed class CanonicalListOrder : IComparer<ListElement>
{
    private CanonicalListOrder()
    {
    }

    public static CanonicalListOrder Instance { get; } = new();

    public static int Compare(ListSide xSide, ReplicatedVersion xId, ListSide ySide, ReplicatedVersion yId)
    {
        if (xSide != ySide)
        {
            return xSide == ListSide.Left ? -1 : 1;
        }

        return xSide == ListSide.Left ? yId.CompareTo(xId) : xId.CompareTo(yId);
    }

    public int Compare(ListElement x, ListElement y) => Compare(x.Side, x.Id, y.Side, y.Id);
}
