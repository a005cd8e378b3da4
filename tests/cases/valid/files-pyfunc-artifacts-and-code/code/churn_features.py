def add_ratio(df):
    df['ratio'] = df.a / df.b
    return df
