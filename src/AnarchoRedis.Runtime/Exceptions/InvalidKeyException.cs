using System;

namespace AnarchoRedis;

/// <summary>A key (or a key part) cannot be used: empty, too long, or impossible to pair with a same-slot meta key.</summary>
public sealed class InvalidKeyException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The offending key or key part.</param>
    /// <param name="reason">Why it is rejected.</param>
    public InvalidKeyException(string? key, string reason)
        : base($"Invalid key{(key is null ? string.Empty : $" '{Shorten(key)}'")}: {reason}", key)
    {
        Reason = reason;
    }

    /// <summary>Why the key is rejected.</summary>
    public string Reason { get; }

    private static string Shorten(string key) => key.Length <= 200 ? key : string.Concat(key.AsSpan(0, 200), "…");
}
