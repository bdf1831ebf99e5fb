using System;
using System.IO;
using MessagePack;

namespace AnarchoRedis;

/// <summary>
/// Checks that bytes are exactly one well-formed MessagePack object, without knowing its type (anti-entropy copies
/// payloads without decoding them, and must not copy garbage over a good replica). Iterative: a hostile nesting depth
/// cannot exhaust the stack.
/// </summary>
internal static class MessagePackShape
{
    public static bool IsWellFormed(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        var reader = new MessagePackReader(payload);
        try
        {
            // Objects still to read. A header's count cannot exceed the bytes left (MessagePackReader checks), so this
            // stays below the payload's length.
            long pending = 1;
            while (pending > 0)
            {
                pending--;
                switch (reader.NextMessagePackType)
                {
                    case MessagePackType.Array:
                        pending += reader.ReadArrayHeader();
                        break;
                    case MessagePackType.Map:
                        pending += 2L * reader.ReadMapHeader();
                        break;
                    case MessagePackType.Unknown:
                        return false;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return reader.End;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }
}
