using System;

namespace AnarchoRedis;

/// <summary>The base of every error the library raises on purpose.</summary>
public class AnarchoRedisException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="key">The logical key concerned, if any.</param>
    /// <param name="innerException">The cause, if any.</param>
    public AnarchoRedisException(string message, string? key = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Key = key;
    }

    /// <summary>The logical key concerned, if any.</summary>
    public string? Key { get; }
}
