using System;

namespace AnarchoRedis;

/// <summary>
/// The outcome of one item of a batch call (<see cref="ReplicatedValueStore{T}.SetManyAsync(System.Collections.Generic.IEnumerable{System.Collections.Generic.KeyValuePair{string, T}}, WriteOptions?, System.Threading.CancellationToken)"/>,
/// <see cref="ReplicatedValueStore{T}.GetManyAsync"/>): its result, or the exception the single call would have thrown.
/// One item's failure (an invalid key, a value too large, a quorum not reached) does not fail the others.
/// </summary>
/// <typeparam name="TResult">What the single call returns.</typeparam>
public readonly struct BatchItemResult<TResult>
{
    private readonly TResult _value;

    internal BatchItemResult(string key, TResult value)
    {
        Key = key;
        _value = value;
        Error = null;
    }

    internal BatchItemResult(string key, Exception error)
    {
        Key = key;
        _value = default!;
        Error = error;
    }

    /// <summary>The item's key.</summary>
    public string Key { get; }

    /// <summary>Whether the item succeeded (<see cref="Value"/> holds its result).</summary>
    public bool IsSuccess => Error is null;

    /// <summary>The exception the single call would have thrown, or <see langword="null"/>.</summary>
    public Exception? Error { get; }

    /// <summary>The item's result.</summary>
    /// <exception cref="InvalidOperationException">The item failed: see <see cref="Error"/>.</exception>
    public TResult Value => Error is null
        ? _value
        : throw new InvalidOperationException($"The batch item for key '{Key}' failed: {Error.Message}", Error);
}
