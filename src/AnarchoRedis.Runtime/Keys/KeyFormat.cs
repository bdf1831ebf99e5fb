using System;

namespace AnarchoRedis;

/// <summary>Formats and checks key parts; generated repositories call it when they build keys.</summary>
public static class KeyFormat
{
    /// <summary>Checks a string key part: it must be neither null nor empty.</summary>
    /// <param name="value">The key part.</param>
    /// <param name="name">The parameter or property it comes from, for the error message.</param>
    /// <returns>The key part.</returns>
    /// <exception cref="InvalidKeyException">The key part is null or empty.</exception>
    public static string Part(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidKeyException(value, $"the key part '{name}' must not be null or empty.");
        }

        return value;
    }
}
