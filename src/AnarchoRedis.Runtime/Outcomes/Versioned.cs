namespace AnarchoRedis;

/// <summary>A value together with the version of the write that produced it.</summary>
/// <typeparam name="T">The model type.</typeparam>
/// <param name="Value">The value.</param>
/// <param name="Version">Its version.</param>
public readonly record struct Versioned<T>(T Value, ReplicatedVersion Version);
