using System;

namespace AnarchoRedis;

/// <summary>Which end a list element was pushed at; the byte value is the envelope's first byte.</summary>
internal enum ListSide : byte
{
    Left = (byte)'L',
    Right = (byte)'R',
}

/// <summary>
/// One element of a replicated list: its id (the version of its push), the side it was pushed at, and its
/// MessagePack payload. Equal by content (id, side and payload bytes), not by the payload's memory.
/// </summary>
internal readonly record struct ListElement(ReplicatedVersion Id, ListSide Side, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The envelope stored on the nodes for this element.</summary>
    public byte[] ToEnvelope() => ListEnvelope.Encode(Id, Side, Payload.Span);

    public bool Equals(ListElement other) =>
        Id == other.Id && Side == other.Side && Payload.Span.SequenceEqual(other.Payload.Span);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Id);
        hash.Add(Side);
        hash.AddBytes(Payload.Span);
        return hash.ToHashCode();
    }

    /// <summary>
    /// Orders two elements as their envelopes would compare bytewise (side, id, payload; a prefix first). Used to
    /// pick one copy, deterministically, when replicas hold different bytes for the same id.
    /// </summary>
    public static int CompareEnvelopes(ListElement x, ListElement y)
    {
        var bySide = ((byte)x.Side).CompareTo((byte)y.Side);
        if (bySide != 0)
        {
            return bySide;
        }

        // The hex text of ids sorts as the ids do, so comparing versions is comparing those 32 bytes.
        var byId = x.Id.CompareTo(y.Id);
        return byId != 0 ? byId : x.Payload.Span.SequenceCompareTo(y.Payload.Span);
    }

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id.ToString())
            .Append(", Side = ").Append(Side)
            .Append(", Payload = ").Append(Convert.ToHexStringLower(Payload.Span));
        return true;
    }
}
