namespace AnarchoRedis;

/// <summary>A serialized value is larger than <see cref="AnarchoRedisOptions.MaxValueBytes"/>. Nothing was sent.</summary>
public sealed class ValueTooLargeException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="size">The serialized size in bytes.</param>
    /// <param name="limit">The limit in bytes.</param>
    public ValueTooLargeException(string key, long size, long limit)
        : base($"The value for key '{key}' is {size} bytes serialized, above the limit of {limit} bytes (AnarchoRedisOptions.MaxValueBytes). Nothing was written.", key)
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The serialized size in bytes.</summary>
    public long Size { get; }

    /// <summary>The limit in bytes.</summary>
    public long Limit { get; }
}
